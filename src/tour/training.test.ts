/**
 * The tour's training runs: worker threads give the same numbers as the
 * main thread, and the two training experiments at quick size with seed 0.
 */
import { afterAll, describe, expect, it } from "vitest";

import { runBatchSizeScene } from "./experiments/batch-size.js";
import { runGeneralisationScenes } from "./experiments/generalisation.js";
import { type TrainingJob, createTrainer } from "./training.js";

const inProcess = createTrainer({ workers: 0 });
const context = { seed: 0, size: "quick" as const, trainer: inProcess };

afterAll(async () => {
  await inProcess.close();
});

const SMALL_JOB: TrainingJob = {
  config: {
    model: "logreg",
    optimizer: "adam",
    optimizerOptions: { lr: 0.003 },
    seed: 3,
    epochs: 2,
    batchSize: 50,
    trainLimit: 400,
    testLimit: 200,
  },
  evaluateOn: "validation",
  recordStepSizes: true,
};

describe("tour trainer", () => {
  it("worker threads match the main thread", async () => {
    const workers = createTrainer({ workers: 2 });
    try {
      const [fromWorker, secondJob] = await workers.train([SMALL_JOB, { ...SMALL_JOB, evaluateOn: "test" }]);
      const [local] = await inProcess.train([SMALL_JOB]);
      expect(fromWorker.stepLosses).toEqual(local.stepLosses);
      expect(fromWorker.stepSizes).toEqual(local.stepSizes);
      expect(fromWorker.epochs.map((e) => e.testAccuracy)).toEqual(local.epochs.map((e) => e.testAccuracy));
      // Same weights, other evaluation images: training matches, evaluation differs.
      expect(secondJob.stepLosses).toEqual(local.stepLosses);
      expect(secondJob.epochs.map((e) => e.testLoss)).not.toEqual(local.epochs.map((e) => e.testLoss));
    } finally {
      await workers.close();
    }
  });

  it("records step sizes once per epoch", async () => {
    const [outcome] = await inProcess.train([SMALL_JOB]);
    expect(outcome.stepSizes.map((s) => s.epoch)).toEqual([1, 2]);
    for (const spread of outcome.stepSizes) {
      expect(spread.min).toBeGreaterThan(0);
      expect(spread.min).toBeLessThanOrEqual(spread.median);
      expect(spread.median).toBeLessThanOrEqual(spread.max);
    }
  });

  it("reports a worker's error to the caller", async () => {
    const workers = createTrainer({ workers: 1 });
    try {
      const bad = { ...SMALL_JOB, config: { ...SMALL_JOB.config, optimizer: "adamm" } };
      await expect(workers.train([bad])).rejects.toThrow(/unknown algorithm "adamm"/);
    } finally {
      await workers.close();
    }
  });
});

// The study trains 40-odd small networks; on two busy cores that can pass the default 120 s limit.
describe("training experiments at quick size", () => {
  it("batch size trades noise for speed", async () => {
    const section = await runBatchSizeScene(context);
    expect(section.outcome).toBe("holds");
    for (const check of section.checks) expect(check.holds, check.text).toBe(true);
  }, 300_000);

  it("generalisation and AdaBound verdicts follow their numbers", async () => {
    const [generalisation, adabound] = await runGeneralisationScenes(context);
    expect(generalisation.id).toBe("generalisation");
    expect(adabound.id).toBe("adabound");

    const { momentumMinusAdam, momentumMinusAdamMargin } = generalisation.numbers;
    expect(momentumMinusAdamMargin).toBeGreaterThanOrEqual(0.01);
    expect(generalisation.checks[0].holds).toBe(momentumMinusAdam > momentumMinusAdamMargin);

    // Clipping into [α*(1 − 1/(γt + 1)), α*(1 + 1/(γt))] bounds the spread of AdaBound's step sizes.
    expect(adabound.checks[0].holds).toBe(true);
    const steps = adabound.numbers.steps;
    expect(steps).toBe(Math.ceil(adabound.numbers.trainLimit / 32) * adabound.numbers.epochs);
    const upper = 0.1 * (1 + 1 / (1e-3 * steps));
    const lower = 0.1 * (1 - 1 / (1e-3 * steps + 1));
    expect(adabound.numbers.adaboundStepSizeMax).toBeLessThanOrEqual(upper * (1 + 1e-6));
    expect(adabound.numbers.adaboundStepSizeMin).toBeGreaterThanOrEqual(lower * (1 - 1e-6));
    expect(adabound.numbers.adamStepSizeSpan).toBeGreaterThan(100);
  }, 300_000);
});
