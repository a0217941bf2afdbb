import { describe, expect, it } from "vitest";

import { algorithmNames } from "../core/index.js";
import { getTestFunction, rosenbrock, testFunctions } from "./functions.js";
import { DEFAULT_LEARNING_RATES, defaultLearningRate } from "./learning-rates.js";
import { TrajectoryStepper, runTrajectory } from "./trajectory.js";

describe("runTrajectory", () => {
  it("starts at the start and records every step", () => {
    const { points, values, diverged } = runTrajectory("booth", "adam", {}, [-2, 7], 25);
    expect(points[0]).toEqual([-2, 7]);
    expect(points).toHaveLength(26);
    expect(values).toHaveLength(26);
    expect(diverged).toBe(false);
    points.forEach(([x, y], k) => expect(values[k]).toBe(getTestFunction("booth").value(x, y)));
  });

  it("takes plain gradient steps with SGD", () => {
    // One SGD step is start − lr·∇f(start); for Rosenbrock at (−1.2, 1),
    // ∇f = (−2·2.2 − 400·(−1.2)·(1 − 1.44), 200·(1 − 1.44)) = (−215.6, −88).
    const { points } = runTrajectory(rosenbrock, "sgd", { lr: 1e-3 }, [-1.2, 1], 1);
    expect(points[1][0]).toBeCloseTo(-1.2 + 0.2156, 12);
    expect(points[1][1]).toBeCloseTo(1 + 0.088, 12);
  });

  it("moves Adam's first step by lr in each coordinate", () => {
    // Adam's first bias-corrected step is lr·g/(|g| + eps), so each coordinate moves by lr.
    const { points } = runTrajectory(rosenbrock, "adam", { lr: 0.05 }, [-1.2, 1], 1);
    expect(points[1][0] - points[0][0]).toBeCloseTo(0.05, 8);
    expect(points[1][1] - points[0][1]).toBeCloseTo(0.05, 8);
  });

  it("fills in the learning rate from the table and the other defaults", () => {
    const { options } = runTrajectory("rosenbrock", "adam", {}, undefined, 3);
    expect(options).toEqual({
      lr: DEFAULT_LEARNING_RATES.rosenbrock.adam,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
  });

  it("reports an alias's preset options", () => {
    const { options } = runTrajectory("quadratic", "nesterov", {}, undefined, 3);
    expect(options.momentum).toBe(0.9);
    expect(options.nesterov).toBe(true);
  });

  it("stops at the last finite point when a run diverges", () => {
    const { points, values, diverged } = runTrajectory("rosenbrock", "sgd", { lr: 0.1 }, [-1.2, 1], 100);
    expect(diverged).toBe(true);
    expect(points.length).toBeLessThan(101);
    expect(points.flat().every(Number.isFinite)).toBe(true);
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it("rejects a start that is not two finite numbers", () => {
    expect(() => runTrajectory("booth", "adam", {}, [1, Number.NaN], 5)).toThrow(TypeError);
    expect(() => runTrajectory("booth", "adam", {}, [1] as unknown as [number, number], 5)).toThrow(
      /trajectory start must be a point \[x, y\] of two finite numbers, got \[1\]/,
    );
  });

  it("rejects a step count that is not a whole number", () => {
    expect(() => runTrajectory("booth", "adam", {}, undefined, 2.5)).toThrow(/steps must be an integer >= 0, got 2.5/);
    expect(() => runTrajectory("booth", "adam", {}, undefined, -1)).toThrow(TypeError);
  });

  it("rejects an unknown optimizer, listing the valid ones", () => {
    expect(() => runTrajectory("booth", "adamm", {}, undefined, 5)).toThrow(/"adamm".*adam/);
  });

  it("rejects an invalid option through core's checks", () => {
    expect(() => runTrajectory("booth", "adam", { lr: -1 }, undefined, 5)).toThrow(RangeError);
  });
});

describe("TrajectoryStepper", () => {
  it("follows the same path as runTrajectory", () => {
    const stepper = new TrajectoryStepper("himmelblau", "rmsprop", { lr: 0.02 }, [0, 0]);
    const run = runTrajectory("himmelblau", "rmsprop", { lr: 0.02 }, [0, 0], 40);
    for (let k = 1; k <= 40; k++) {
      expect(stepper.step()).toBe(true);
      expect(stepper.point).toEqual(run.points[k]);
      expect(stepper.value).toBe(run.values[k]);
    }
    expect(stepper.steps).toBe(40);
  });

  it("refuses further steps after diverging", () => {
    const stepper = new TrajectoryStepper("rosenbrock", "sgd", { lr: 1 }, [-1.2, 1]);
    while (stepper.step());
    const stopped = stepper.point;
    expect(stepper.diverged).toBe(true);
    expect(stepper.step()).toBe(false);
    expect(stepper.point).toEqual(stopped);
  });
});

describe("default learning rates", () => {
  it("cover every test function and every optimizer name", () => {
    for (const fn of testFunctions) {
      for (const name of algorithmNames) {
        expect(DEFAULT_LEARNING_RATES[fn.name]?.[name], `${fn.name} / ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it("fall back to the algorithm's own default lr", () => {
    expect(defaultLearningRate("adadelta", "my-function")).toBe(1);
    expect(defaultLearningRate("sgd", "my-function")).toBe(0.01);
  });

  describe.each(testFunctions.map((fn) => [fn.name, fn] as const))("on %s", (_, fn) => {
    it.each(algorithmNames)("move %s downhill", (name) => {
      const { values, diverged } = runTrajectory(fn, name);
      expect(diverged).toBe(false);
      expect(values).toHaveLength(fn.steps + 1);
      expect(values[values.length - 1]).toBeLessThan(values[0]);
    });
  });

  it("bring Adam close to Rosenbrock's minimum", () => {
    const { points } = runTrajectory("rosenbrock", "adam");
    const [x, y] = points[points.length - 1];
    expect(Math.hypot(x - 1, y - 1)).toBeLessThan(0.1);
  });
});
