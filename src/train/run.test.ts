import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { setupBackend } from "./backend.js";
import { type MnistDataset, loadFashionMnist } from "./idx.js";
import { type RunConfig, type StepMetrics, runTraining } from "./run.js";

let data: MnistDataset;

beforeAll(async () => {
  await setupBackend("wasm");
  data = loadFashionMnist();
});

const SMALL: RunConfig = {
  model: "logreg",
  optimizer: "sgd",
  optimizerOptions: { lr: 0.1 },
  seed: 3,
  epochs: 2,
  batchSize: 50,
  trainLimit: 500,
  testLimit: 100,
};

describe("runTraining", () => {
  it("reports one metrics record per epoch", async () => {
    const result = await runTraining(SMALL, data);
    expect(result.epochs.map((m) => m.epoch)).toEqual([1, 2]);
    for (const metrics of result.epochs) {
      expect(metrics.optimizer).toBe("sgd");
      expect(Number.isFinite(metrics.trainLoss)).toBe(true);
      expect(Number.isFinite(metrics.testLoss)).toBe(true);
      expect(metrics.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(metrics.testAccuracy).toBeLessThanOrEqual(1);
      expect(metrics.seconds).toBeGreaterThan(0);
    }
    expect(result.stepLosses).toHaveLength(20);
    expect(result.trainCount).toBe(500);
    expect(result.testCount).toBe(100);
  });

  it("gives the same numbers for the same seed", async () => {
    const first = await runTraining(SMALL, data);
    const second = await runTraining(SMALL, data);
    expect(second.stepLosses).toEqual(first.stepLosses);
    expect(second.epochs.map((m) => m.testLoss)).toEqual(
      first.epochs.map((m) => m.testLoss),
    );
  });

  it("gives other numbers for another seed", async () => {
    const first = await runTraining(SMALL, data);
    const second = await runTraining({ ...SMALL, seed: 4 }, data);
    expect(second.stepLosses).not.toEqual(first.stepLosses);
  });

  it("lowers the training loss of the mlp", async () => {
    const result = await runTraining(
      { ...SMALL, model: "mlp", optimizer: "adam", optimizerOptions: { lr: 0.003 }, epochs: 3 },
      data,
    );
    const [first, , last] = result.epochs;
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(last.testAccuracy).toBeGreaterThan(0.5);
  });

  it("trains the cnn on the wasm backend", async () => {
    const result = await runTraining(
      { ...SMALL, model: "cnn", optimizer: "adam", optimizerOptions: { lr: 0.003 }, epochs: 1, trainLimit: 200 },
      data,
    );
    expect(result.epochs).toHaveLength(1);
    expect(Number.isFinite(result.epochs[0].trainLoss)).toBe(true);
    expect(result.stepLosses[3]).toBeLessThan(result.stepLosses[0]);
  });

  it("reports the step losses through onStep", async () => {
    const steps: StepMetrics[] = [];
    const result = await runTraining(SMALL, data, { onStep: (s) => steps.push(s) });
    expect(steps.map((s) => s.step)).toEqual(result.stepLosses.map((_, i) => i + 1));
    expect(steps.map((s) => s.loss)).toEqual(result.stepLosses);
    expect(steps[10].epoch).toBe(2);
  });

  it("reports the effective learning rate", async () => {
    const steps: StepMetrics[] = [];
    const result = await runTraining(
      { ...SMALL, optimizer: "adagrad", optimizerOptions: { lr: 0.1 } },
      data,
      {
        onStep: (s) => steps.push(s),
        effectiveLr: (optimizer) => (optimizer.getConfig() as { options: { lr: number } }).options.lr / 2,
      },
    );
    expect(steps[0].effectiveLr).toBe(0.05);
    expect(result.epochs[1].effectiveLr).toBe(0.05);
  });

  it("names the batch regime", async () => {
    const full = await runTraining({ ...SMALL, batchSize: "full", trainLimit: 100, epochs: 1 }, data);
    const stochastic = await runTraining({ ...SMALL, batchSize: 1, trainLimit: 20, epochs: 1 }, data);
    const minibatch = await runTraining({ ...SMALL, epochs: 1 }, data);
    expect(full.regime).toBe("full-batch");
    expect(full.batchSize).toBe(100);
    expect(full.stepLosses).toHaveLength(1);
    expect(stochastic.regime).toBe("stochastic");
    expect(stochastic.stepLosses).toHaveLength(20);
    expect(minibatch.regime).toBe("minibatch");
  });

  it("frees every tensor it makes", async () => {
    await runTraining(SMALL, data);
    const before = tf.memory().numTensors;
    await runTraining({ ...SMALL, optimizer: "adam", optimizerOptions: {} }, data);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names the step where a run diverges", async () => {
    const diverging = runTraining(
      { ...SMALL, model: "mlp", optimizerOptions: { lr: 1e30 }, epochs: 1 },
      data,
    );
    await expect(diverging).rejects.toThrow(
      /^Training run: the run diverged at step \d+ of epoch 1 \(loss .+\), and the update was not applied\. SGD\.step: the gradient of parameter "[^"]+" holds (NaN|-?Infinity) at index \d+; every gradient element must be finite\. Lower the learning rate \(optimizerOptions\.lr or --lr, now 1e\+30\), or clip gradients \(clipNorm or --clip-norm\)\.$/,
    );
  });

  it("uses an injected optimizer factory", async () => {
    const names: string[] = [];
    await runTraining(SMALL, data, {
      createOptimizer: (name, options) => {
        names.push(name);
        return tf.train.sgd(options.lr as number);
      },
    });
    expect(names).toEqual(["sgd"]);
  });

  const invalid: Array<[string, Partial<RunConfig>, RegExp]> = [
    ["an unknown model", { model: "resnet" as never }, /unknown model 'resnet'/],
    ["a zero batch size", { batchSize: 0 }, /batchSize must be a positive integer or 'full', got 0/],
    ["a batch larger than the data", { batchSize: 501 }, /batchSize 501 is larger than the 500/],
    ["a fractional epoch count", { epochs: 1.5 }, /epochs must be a positive integer, got 1.5/],
    ["a fractional seed", { seed: 0.5 }, /seed must be an integer, got 0.5/],
    ["a zero train limit", { trainLimit: 0 }, /trainLimit must be a positive integer, got 0/],
  ];
  for (const [name, change, message] of invalid) {
    it(`rejects ${name}`, async () => {
      await expect(runTraining({ ...SMALL, ...change }, data)).rejects.toThrow(message);
    });
  }
});

describe("runTraining with invalid optimizer options", () => {
  it("rejects them and leaks no tensor", async () => {
    const before = tf.memory().numTensors;
    await expect(
      runTraining({ ...SMALL, optimizerOptions: { lr: -1 } }, data),
    ).rejects.toThrow(/lr/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
