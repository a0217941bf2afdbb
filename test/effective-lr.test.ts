import { describe, expect, it } from "vitest";
import {
  Parameter,
  createOptimizer,
  effectiveLearningRate,
  type FloatArray,
} from "../src/index.js";

function run(name: string, options: Record<string, unknown>, steps: number) {
  const w = new Parameter(new Float64Array([1, -2, 0.5, 3]));
  const opt = createOptimizer(name, [w], options);
  for (let k = 0; k < steps; k++) {
    (w.grad as FloatArray).set([0.5, -1, 2, 0.1].map((g) => g * (1 + (k % 3))));
    opt.step();
  }
  return { opt, w };
}

describe("effectiveLearningRate", () => {
  it("is undefined before the first step", () => {
    const opt = createOptimizer("adam", [new Parameter(new Float64Array(3))]);
    expect(effectiveLearningRate(opt)).toBeUndefined();
  });

  it("equals lr for SGD", () => {
    const { opt } = run("sgd", { lr: 0.1 }, 3);
    expect(effectiveLearningRate(opt)).toEqual({
      median: 0.1,
      min: 0.1,
      max: 0.1,
      p10: 0.1,
      p90: 0.1,
      count: 4,
    });
  });

  it("shrinks over time for Adagrad", () => {
    const early = effectiveLearningRate(
      run("adagrad", { lr: 0.1 }, 2).opt,
    )!.median;
    const late = effectiveLearningRate(
      run("adagrad", { lr: 0.1 }, 200).opt,
    )!.median;
    expect(late).toBeLessThan(early / 5);
  });

  it("predicts the size of an Adagrad step", () => {
    const { opt, w } = run("adagrad", { lr: 0.1 }, 4);
    const before = w.data[0];
    const summary = effectiveLearningRate(opt)!;
    expect(summary.count).toBe(4);
    // Each element's step is its effective rate times its gradient.
    (w.grad as FloatArray).set([1, 0, 0, 0]);
    opt.step();
    const rate = (before - w.data[0]) / 1;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(summary.max * 1.0001);
  });

  it("stays inside AdaBound's bounds", () => {
    const { opt } = run(
      "adabound",
      { lr: 0.01, finalLr: 0.1, gamma: 0.1 },
      100,
    );
    const summary = effectiveLearningRate(opt)!;
    const t = 100;
    expect(summary.min).toBeGreaterThanOrEqual(
      0.1 * (1 - 1 / (0.1 * t + 1)) * (1 - 1e-12),
    );
    expect(summary.max).toBeLessThanOrEqual(
      0.1 * (1 + 1 / (0.1 * t)) * (1 + 1e-12),
    );
  });

  it("samples large parameters", () => {
    const w = new Parameter(new Float32Array(1000));
    const opt = createOptimizer("adam", [w]);
    w.grad?.fill(1);
    opt.step();
    expect(effectiveLearningRate(opt, 100)!.count).toBe(100);
  });
});

describe("effectiveLearningRate with elements that never moved", () => {
  it("leaves out elements whose gradient was always zero", () => {
    const w = new Parameter(new Float64Array(4));
    const opt = createOptimizer("adam", [w], { lr: 1e-3 });
    (w.grad as FloatArray).set([1, 0, 0, 0]);
    opt.step();
    const summary = effectiveLearningRate(opt)!;
    expect(summary.count).toBe(1);
    expect(summary.median).toBeCloseTo(1e-3, 6);
  });

  it("reads the length from the state when the data is lent out", () => {
    const w = new Parameter(new Float32Array(3));
    const opt = createOptimizer("adagrad", [w], { lr: 0.1 });
    w.grad?.fill(2);
    opt.step();
    w.data = new Float32Array(0);
    w.grad = null;
    expect(effectiveLearningRate(opt)?.count).toBe(3);
  });
});

describe("effectiveLearningRate percentiles", () => {
  it("interpolates the 10th and 90th percentiles between ranks", () => {
    // Adagrad's first step gives each element lr / (|g| + eps).
    const w = new Parameter(new Float64Array(11));
    const opt = createOptimizer("adagrad", [w], { lr: 1, eps: 0 });
    (w.grad as FloatArray).set([1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50]);
    opt.step();
    const summary = effectiveLearningRate(opt)!;
    expect(summary.min).toBeCloseTo(0.02, 12);
    expect(summary.p10).toBeCloseTo(0.025, 12);
    expect(summary.median).toBeCloseTo(0.1, 12);
    expect(summary.p90).toBeCloseTo(0.5, 12);
    expect(summary.max).toBeCloseTo(1, 12);
  });
});

describe("effectiveLearningRate errors", () => {
  const { opt } = run("adam", { lr: 0.1 }, 2);

  for (const limit of [0, -1, 2.5, Number.NaN, Infinity]) {
    it(`rejects sampleLimit ${limit}`, () => {
      expect(() => effectiveLearningRate(opt, limit)).toThrow(RangeError);
      expect(() => effectiveLearningRate(opt, limit)).toThrow(
        /effectiveLearningRate: sampleLimit must be an integer >= 1, got .*\. Try sampleLimit: 100000\./,
      );
    });
  }

  it("rejects a sampleLimit string", () => {
    expect(() => effectiveLearningRate(opt, "10" as never)).toThrow(TypeError);
  });

  it("rejects an object that is not an optimizer", () => {
    expect(() => effectiveLearningRate({} as never)).toThrow(
      /effectiveLearningRate: optimizer must be a descent Optimizer such as Adam, got an object \(Object\)/,
    );
  });
});
