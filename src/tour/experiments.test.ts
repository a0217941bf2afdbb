/**
 * Runs each experiment that needs only core or landscape at quick size with
 * seed 0 and checks its verdict: the claims that the theory backs hold, and
 * each verdict agrees with the numbers it is computed from.
 */
import { describe, expect, it } from "vitest";

import { adagradExperiment } from "./experiments/adagrad.js";
import { adamExperiment } from "./experiments/adam.js";
import { adamaxExperiment } from "./experiments/adamax.js";
import { amsgradExperiment } from "./experiments/amsgrad.js";
import { learningRateExperiment } from "./experiments/learning-rate.js";
import { nadamExperiment, nesterovExperiment } from "./experiments/look-ahead.js";
import { momentumExperiment } from "./experiments/momentum.js";
import { movingAverageExperiment } from "./experiments/moving-average.js";
import { saddleExperiment } from "./experiments/saddle.js";
import { createTrainer } from "./training.js";
import type { Experiment, SceneResult } from "./types.js";

const context = { seed: 0, size: "quick" as const, trainer: createTrainer({ workers: 0 }) };

async function runOne(experiment: Experiment): Promise<SceneResult> {
  const output = await experiment.run(context);
  const sections = Array.isArray(output) ? output : [output];
  expect(sections.map((section) => section.id)).toEqual(experiment.sections);
  return sections[0];
}

/** Checks what every section must satisfy, whatever its outcome. */
function expectWellFormed(section: SceneResult): void {
  expect(section.checks.length).toBeGreaterThan(0);
  const held = section.checks.filter((check) => check.holds).length;
  if (held === section.checks.length) expect(section.outcome).toBe("holds");
  else if (held === 0) expect(section.outcome).toBe("does not hold");
  else expect(section.outcome).toBe("holds in part");
  for (const check of section.checks) {
    expect(section.verdict).toContain(check.text.replace(/\.$/, ""));
    expect(check.criterion).not.toBe("");
  }
  expect(section.charts.length).toBeGreaterThan(0);
  for (const value of Object.values(section.numbers)) expect(typeof value).toBe("number");
}

const HOLDING: ReadonlyArray<[string, Experiment]> = [
  ["learning rate: overshoot and crawl", learningRateExperiment],
  ["saddle points and flat areas", saddleExperiment],
  ["momentum: local minima and zigzag", momentumExperiment],
  ["Nesterov overshoots less", nesterovExperiment],
  ["Adagrad: rare features, shrinking rate", adagradExperiment],
  ["RMSprop and Adadelta stop the decay", movingAverageExperiment],
  ["Nadam overshoots less than Adam", nadamExperiment],
  ["AMSGrad fixes Reddi's counterexample", amsgradExperiment],
];

describe("tour experiments at quick size", () => {
  for (const [name, experiment] of HOLDING) {
    it(`${name} holds`, async () => {
      const section = await runOne(experiment);
      expectWellFormed(section);
      for (const check of section.checks) expect(check.holds, check.text).toBe(true);
    });
  }

  it("learning rate diverges above 2/50", async () => {
    const section = await runOne(learningRateExperiment);
    expect(section.numbers["finalValueAtLr0.042"]).toBeGreaterThan(section.numbers.startValue);
    expect(section.numbers["finalValueAtLr0.038"]).toBeLessThan(section.numbers.startValue);
  });

  it("Adam in Reddi's problem ends at x = 1", async () => {
    const section = await runOne(amsgradExperiment);
    // Theorem 1 of Reddi et al.: with β2 = 1/(1 + C²) Adam drifts to the worst point, +1.
    expect(section.numbers.adamFinalX).toBe(1);
    expect(section.numbers.amsgradFinalX).toBeLessThan(-0.9);
  });

  it("AdaMax's steps stay near lr, Adam's overshoot it", async () => {
    const section = await runOne(adamaxExperiment);
    expectWellFormed(section);
    // |m|/u ≤ (1 − β1)/(1 − β1/β2) ≈ 1.01 with the default betas, while
    // Adam's m/√v can reach (1 − β1)/√(1 − β2) ≈ 3.2 at an outlier.
    expect(section.numbers.adamaxMaxStepOverLr).toBeLessThan(1.02);
    expect(section.numbers.adamMaxStepOverLr).toBeGreaterThan(1.5);
    expect(section.checks[0].holds).toBe(true);
  });

  it("Adam against its parts is well formed", async () => {
    const section = await runOne(adamExperiment);
    expectWellFormed(section);
    const functions = section.numbers.functions;
    for (const part of ["momentum", "rmsprop"]) {
      const total =
        section.numbers[`winsOver_${part}`] + section.numbers[`lossesTo_${part}`] + section.numbers[`tiesWith_${part}`];
      expect(total, part).toBe(functions);
    }
  });

  it("same seed gives the same numbers", async () => {
    const first = await runOne(adagradExperiment);
    const second = await runOne(adagradExperiment);
    expect(second.numbers).toEqual(first.numbers);
  });
});
