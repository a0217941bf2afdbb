import { describe, expect, it } from "vitest";
import {
  Parameter,
  StateDictError,
  algorithmNames,
  algorithms,
  createOptimizer,
  type FloatArray,
  type Optimizer,
} from "../src/index.js";
import {
  ALGORITHM_CASES,
  CURVATURES,
  quadraticGradient,
  quadraticValue,
} from "./helpers/algorithms.js";
import { rosenbrockGradient } from "./helpers/reference.js";

const START = [1.5, -2, 3, 0.5, -1];

function runQuadratic(opt: Optimizer, w: Parameter, steps: number): void {
  for (let k = 0; k < steps; k++) {
    quadraticGradient(w.data, w.grad as FloatArray);
    opt.step();
  }
}

function seededGrads(seed: number, steps: number, length: number): number[][] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  return Array.from({ length: steps }, () =>
    Array.from({ length }, () => next() * 4),
  );
}

describe("algorithm table", () => {
  it("lists every name createOptimizer accepts", () => {
    expect(ALGORITHM_CASES.map((c) => c.name).sort()).toEqual(
      [...algorithmNames].sort(),
    );
    expect(algorithms.map((a) => a.name).sort()).toEqual(
      [...algorithmNames].sort(),
    );
  });
});

for (const c of ALGORITHM_CASES) {
  describe(`${c.name} contract`, () => {
    it("converges on a quadratic", () => {
      const w = new Parameter(new Float64Array(START));
      const opt = createOptimizer(c.name, [w], c.options);
      runQuadratic(opt, w, 500);
      expect(quadraticValue(w.data)).toBeLessThan(1e-3 * quadraticValue(START));
    });

    it("lowers Rosenbrock from its standard start", () => {
      const w = new Parameter(new Float64Array([-1.5, 2]));
      const opt = createOptimizer(c.name, [w], {
        ...c.options,
        lr: Math.min(Number(c.options.lr), 1e-3),
      });
      const value = (x: number, y: number) =>
        (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      const before = value(-1.5, 2);
      for (let k = 0; k < 200; k++) {
        (w.grad as FloatArray).set(rosenbrockGradient(w.data[0], w.data[1]));
        opt.step();
      }
      expect(value(w.data[0], w.data[1])).toBeLessThan(before);
    });

    it("leaves parameters unchanged with lr 0", () => {
      const w = new Parameter(new Float64Array(START));
      const options = { ...c.options, weightDecay: c.decayIgnoresLr ? 0 : 0.1 };
      const opt = createOptimizer(c.name, [w], options);
      opt.paramGroups[0].lr = 0;
      runQuadratic(opt, w, 10);
      expect(Array.from(w.data)).toEqual(START);
      expect(opt.state.get(w)?.step).toBe(10);
    });

    it("climbs with maximize", () => {
      const w = new Parameter(new Float64Array(START));
      const opt = createOptimizer(c.name, [w], {
        ...c.options,
        maximize: true,
      });
      runQuadratic(opt, w, 20);
      expect(quadraticValue(w.data)).toBeGreaterThan(quadraticValue(START));
    });

    it("continues bit-identically after a JSON state round trip", () => {
      const grads = seededGrads(7, 12, START.length);
      const original = new Parameter(new Float32Array(START));
      const opt = createOptimizer(c.name, [original], {
        ...c.options,
        weightDecay: 0.01,
      });
      for (const g of grads.slice(0, 6)) {
        (original.grad as FloatArray).set(g);
        opt.step();
      }
      const saved = JSON.parse(JSON.stringify(opt.stateDict()));
      const copy = new Parameter(new Float32Array(original.data));
      const resumed = createOptimizer(c.name, [copy], c.options);
      resumed.loadStateDict(saved);
      for (const g of grads.slice(6)) {
        (original.grad as FloatArray).set(g);
        (copy.grad as FloatArray).set(g);
        opt.step();
        resumed.step();
      }
      expect(Array.from(copy.data)).toEqual(Array.from(original.data));
      expect(resumed.stateDict()).toEqual(opt.stateDict());
    });

    it("agrees between float32 and float64", () => {
      const w64 = new Parameter(new Float64Array(START));
      const w32 = new Parameter(new Float32Array(START));
      const opt64 = createOptimizer(c.name, [w64], c.options);
      const opt32 = createOptimizer(c.name, [w32], c.options);
      for (const g of seededGrads(3, 30, START.length)) {
        (w64.grad as FloatArray).set(g);
        (w32.grad as FloatArray).set(g);
        opt64.step();
        opt32.step();
      }
      for (let i = 0; i < START.length; i++) {
        expect(Math.abs(w32.data[i] - w64.data[i])).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(w64.data[i])),
        );
      }
    });

    it("skips a parameter whose grad is null", () => {
      const a = new Parameter(new Float64Array(START));
      const b = new Parameter(new Float64Array(START), { grad: null });
      const opt = createOptimizer(c.name, [a, b], c.options);
      runQuadratic(opt, a, 3);
      expect(Array.from(b.data)).toEqual(START);
      expect(opt.state.has(b)).toBe(false);
      expect(opt.state.get(a)?.step).toBe(3);
    });

    it("rejects a gradient of the wrong length before changing anything", () => {
      const a = new Parameter(new Float64Array(START));
      const b = new Parameter(new Float64Array(3));
      const opt = createOptimizer(c.name, [a, b], c.options);
      a.grad?.fill(1);
      b.grad = new Float64Array(2);
      expect(() => opt.step()).toThrow(
        /grad has length 2 but data has length 3/,
      );
      expect(Array.from(a.data)).toEqual(START);
      expect(opt.state.size).toBe(0);
    });

    it("rejects a non-finite gradient before changing anything", () => {
      const a = new Parameter(new Float64Array(START));
      const b = new Parameter(new Float64Array(3));
      const opt = createOptimizer(c.name, [a, b], c.options);
      a.grad?.fill(1);
      b.grad?.set([0, Number.NaN, 0]);
      expect(() => opt.step()).toThrow(
        /holds NaN at index 1; every gradient element must be finite/,
      );
      expect(Array.from(a.data)).toEqual(START);
      expect(opt.state.size).toBe(0);
    });

    it("skips and counts a non-finite step with skipNonFinite", () => {
      const warnings: string[] = [];
      const a = new Parameter(new Float64Array(START));
      const opt = createOptimizer(c.name, [a], {
        ...c.options,
        skipNonFinite: true,
        onWarning: (m) => warnings.push(m),
      });
      a.grad?.fill(Number.POSITIVE_INFINITY);
      opt.step();
      opt.step();
      expect(Array.from(a.data)).toEqual(START);
      expect(opt.skippedSteps).toBe(2);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/skipped a step/);
    });

    it("rejects a state dict from another algorithm", () => {
      const a = new Parameter(new Float64Array(START));
      const other = c.name === "adam" || c.name === "amsgrad" ? "sgd" : "adam";
      const source = createOptimizer(other, [a], { lr: 0.1 });
      const opt = createOptimizer(
        c.name,
        [new Parameter(new Float64Array(START))],
        c.options,
      );
      expect(() => opt.loadStateDict(source.stateDict())).toThrow(
        StateDictError,
      );
    });

    it("rejects a state dict for another shape", () => {
      // Plain SGD keeps no buffers, so it is given momentum to have one.
      const options =
        c.name === "sgd" ? { ...c.options, momentum: 0.5 } : c.options;
      const small = new Parameter(new Float64Array(2));
      const source = createOptimizer(c.name, [small], options);
      small.grad?.fill(1);
      source.step();
      const opt = createOptimizer(
        c.name,
        [new Parameter(new Float64Array(START))],
        options,
      );
      expect(() => opt.loadStateDict(source.stateDict())).toThrow(
        /but parameter 0 is float64\[5\]/,
      );
      expect(opt.state.size).toBe(0);
    });
  });
}

describe("equivalences", () => {
  function trajectory(
    name: string,
    options: Record<string, unknown>,
  ): number[] {
    const w = new Parameter(new Float64Array(START));
    const opt = createOptimizer(name, [w], options);
    for (const g of seededGrads(11, 25, START.length)) {
      (w.grad as FloatArray).set(g);
      opt.step();
    }
    return Array.from(w.data);
  }

  it("SGD with momentum 0 equals plain SGD", () => {
    expect(trajectory("sgd", { lr: 0.1, momentum: 0, dampening: 0.5 })).toEqual(
      trajectory("sgd", { lr: 0.1 }),
    );
  });

  it("AdamW without decay equals Adam", () => {
    expect(trajectory("adamw", { lr: 0.01, weightDecay: 0 })).toEqual(
      trajectory("adam", { lr: 0.01 }),
    );
  });

  it("the amsgrad alias equals Adam with amsgrad", () => {
    expect(trajectory("amsgrad", { lr: 0.01 })).toEqual(
      trajectory("adam", { lr: 0.01, amsgrad: true }),
    );
  });

  it("AMSBound equals AdaBound with amsbound", () => {
    expect(trajectory("amsbound", { lr: 0.01 })).toEqual(
      trajectory("adabound", { lr: 0.01, amsbound: true }),
    );
  });

  it("AdaBoundW without decay equals AdaBound", () => {
    expect(trajectory("adaboundw", { lr: 0.01, weightDecay: 0 })).toEqual(
      trajectory("adabound", { lr: 0.01 }),
    );
  });

  for (const name of ["nadam", "radam"]) {
    it(`${name} decoupled decay shrinks θ by lr·λ first`, () => {
      const options = { lr: 0.01, weightDecay: 0.5 };
      const decoupled = new Parameter(new Float64Array(START));
      const manual = new Parameter(new Float64Array(START));
      const a = createOptimizer(name, [decoupled], {
        ...options,
        decoupledWeightDecay: true,
      });
      const b = createOptimizer(name, [manual], { lr: options.lr });
      for (const g of seededGrads(5, 12, START.length)) {
        (decoupled.grad as FloatArray).set(g);
        (manual.grad as FloatArray).set(g);
        for (let i = 0; i < START.length; i++) {
          manual.data[i] *= 1 - options.lr * options.weightDecay;
        }
        a.step();
        b.step();
      }
      expect(Array.from(decoupled.data)).toEqual(Array.from(manual.data));
    });
  }

  it("per-group options override the defaults", () => {
    const a = new Parameter(new Float64Array([1]));
    const b = new Parameter(new Float64Array([1]));
    const opt = createOptimizer(
      "sgd",
      [{ params: [a] }, { params: [b], lr: 0.5 }],
      { lr: 0.1 },
    );
    a.grad?.fill(1);
    b.grad?.fill(1);
    opt.step();
    expect(a.data[0]).toBeCloseTo(0.9, 15);
    expect(b.data[0]).toBeCloseTo(0.5, 15);
  });
});

it("quadratic curvatures match the start vector", () => {
  expect(CURVATURES).toHaveLength(START.length);
});
