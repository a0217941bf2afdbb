import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { Parameter, createOptimizer } from "../core/index.js";
import { closeTo, loadReference } from "../../test/helpers/reference.js";
import { setupBackend } from "./backend.js";
import {
  accumulateGradients,
  averageGradients,
  clipByGlobalNorm,
} from "./gradients.js";
import { type MnistDataset, loadFashionMnist } from "./idx.js";
import { type RunConfig, runTraining } from "./run.js";
import { createRunSchedule } from "./schedule.js";

let data: MnistDataset;

beforeAll(async () => {
  await setupBackend("wasm");
  data = loadFashionMnist();
});

const BASE: RunConfig = {
  model: "logreg",
  optimizer: "momentum",
  optimizerOptions: { lr: 0.05 },
  seed: 5,
  epochs: 2,
  batchSize: 64,
  trainLimit: 512,
  testLimit: 100,
};

interface ClipCase {
  name: string;
  function: string;
  options: {
    maxNorm: number;
    normType?: number | string;
    errorIfNonfinite?: boolean;
  };
  grads: { shape: number[]; data: (number | string)[] }[];
  expectedTotalNorm?: number;
  expectedGrads?: number[][];
}

describe("clipByGlobalNorm", () => {
  // The finite 2-norm cases of the clipping reference, run through TF.js tensors in float32.
  const cases = loadReference<{ cases: ClipCase[] }>(
    "clipping.json",
  ).cases.filter(
    (c) =>
      c.function === "clipGradNorm" &&
      (c.options.normType ?? 2) === 2 &&
      c.expectedGrads !== undefined &&
      c.grads.every((g) =>
        g.data.every((x) => typeof x === "number" && Math.abs(x) < 1e15),
      ),
  );

  it("has reference cases to run", () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const c of cases) {
    it(`matches ${c.name}`, () => {
      const grads: tf.NamedTensorMap = {};
      c.grads.forEach(
        (g, i) =>
          (grads[`g${i}`] = tf.tensor(g.data as number[], g.shape, "float32")),
      );
      const { grads: clipped, norm } = clipByGlobalNorm(
        grads,
        c.options.maxNorm,
      );
      expect(closeTo(norm, c.expectedTotalNorm as number, 1e-6)).toBe(true);
      c.expectedGrads!.forEach((expected, i) => {
        const actual = clipped[`g${i}`].dataSync();
        expected.forEach((e, j) =>
          expect(
            closeTo(actual[j], e, 1e-6),
            `${i}[${j}]: ${actual[j]} vs ${e}`,
          ).toBe(true),
        );
      });
      tf.dispose(Object.values(clipped));
    });
  }
});

describe("gradient accumulation", () => {
  it("averages summed gradients and frees the inputs", () => {
    const before = tf.memory().numTensors;
    let sums = accumulateGradients(undefined, { w: tf.tensor([1, 2]) });
    sums = accumulateGradients(sums, { w: tf.tensor([3, 6]) });
    const mean = averageGradients(sums, 2);
    expect(Array.from(mean.w.dataSync())).toEqual([2, 4]);
    mean.w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("two half batches train like one whole batch", async () => {
    const whole = await runTraining({ ...BASE, batchSize: 128 }, data);
    const halves = await runTraining(
      { ...BASE, batchSize: 64, accumulate: 2 },
      data,
    );
    const [a, b] = [whole.epochs[1], halves.epochs[1]];
    expect(Math.abs(a.testLoss - b.testLoss)).toBeLessThan(1e-4 * a.testLoss);
  });

  it("rejects an accumulate count of 0", async () => {
    await expect(runTraining({ ...BASE, accumulate: 0 }, data)).rejects.toThrow(
      /accumulate must be a positive integer, got 0/,
    );
  });
});

describe("run schedules", () => {
  function lrs(
    schedule: Parameters<typeof createRunSchedule>[1],
    total: number,
  ): number[] {
    const w = new Parameter(new Float64Array(1));
    const opt = createOptimizer("sgd", [w], { lr: 0.1, momentum: 0.9 });
    const run = createRunSchedule(opt, schedule, total);
    const seen: number[] = [];
    for (let k = 0; k < total; k++) {
      seen.push(opt.paramGroups[0].lr);
      opt.step();
      run.afterUpdate();
    }
    return seen;
  }

  it("warms up linearly, then follows the cosine down", () => {
    const seen = lrs({ name: "cosine", warmup: 10 }, 110);
    expect(seen[0]).toBeCloseTo(0.01, 12);
    expect(seen[10]).toBeCloseTo(0.1, 12);
    expect(seen[60]).toBeCloseTo(0.05, 12);
    expect(seen[109]).toBeLessThan(1e-3);
    for (let k = 1; k <= 10; k++) expect(seen[k]).toBeGreaterThan(seen[k - 1]);
  });

  it("steps tenfold down at thirds", () => {
    const seen = lrs({ name: "step", warmup: 0 }, 30);
    expect(seen[9]).toBeCloseTo(0.1, 12);
    expect(seen[10]).toBeCloseTo(0.01, 12);
    expect(seen[20]).toBeCloseTo(0.001, 12);
  });

  it("rises and falls in one cycle", () => {
    const seen = lrs({ name: "onecycle", warmup: 0 }, 50);
    const peak = seen.indexOf(Math.max(...seen));
    expect(seen[peak]).toBeCloseTo(0.1, 10);
    expect(peak).toBeGreaterThan(5);
    expect(seen[49]).toBeLessThan(seen[0]);
  });

  it("rejects a warm-up with the plateau schedule", () => {
    expect(() => lrs({ name: "plateau", warmup: 5 }, 20)).toThrow(
      /--warmup does not combine with the plateau schedule/,
    );
  });

  it("rejects a warm-up as long as the run", () => {
    expect(() => lrs({ name: "cosine", warmup: 20 }, 20)).toThrow(
      /not shorter than the run's 20 updates/,
    );
  });

  it("resumes a scheduled, clipped run to the uninterrupted numbers", async () => {
    const config: RunConfig = {
      ...BASE,
      epochs: 3,
      schedule: { name: "cosine", warmup: 4 },
      clipNorm: 0.5,
    };
    const straight = await runTraining(config, data);
    const dir = mkdtempSync(join(tmpdir(), "descent-schedule-resume-"));
    await expect(
      runTraining(config, data, {
        checkpointDir: dir,
        onEpoch: (metrics) => {
          if (metrics.epoch === 1) throw new Error("interrupted");
        },
      }),
    ).rejects.toThrow("interrupted");
    const resumed = await runTraining(config, data, {
      checkpointDir: dir,
      resume: true,
    });
    expect(resumed.resumedEpochs).toBe(1);
    expect(resumed.stepLosses).toEqual(straight.stepLosses);
    expect(resumed.epochs.map((m) => m.testLoss)).toEqual(
      straight.epochs.map((m) => m.testLoss),
    );
  });
});
