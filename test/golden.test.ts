import { describe, expect, it } from "vitest";
import {
  Parameter,
  createOptimizer,
  getKernelBackend,
  setKernelBackend,
  type FloatArray,
} from "../src/index.js";
import {
  type ClosedLoopCase,
  type FixedCase,
  loadOptimizerFiles,
  rosenbrockGradient,
} from "./helpers/reference.js";

/** float64 must match the reference within the reference data's own rule. */
const TOLERANCE_FLOAT64 = 1e-10;
/**
 * float32 stores parameters and state in single precision (6e-8 relative per
 * rounding) and the rounding accumulates through the state over 30 steps, or
 * 200 on Rosenbrock. The worst cases seen are about 1e-6 in the fixed cases
 * (AdamW's defaults) and 4e-6 on Rosenbrock (AdamW with the wasm kernels), so
 * the float32 bound is 1e-5 relative to max(1, |expected|).
 */
const TOLERANCE_FLOAT32 = 1e-5;
/**
 * Float32 updates run in the TypeScript loops (double-precision arithmetic)
 * or in the WebAssembly SIMD kernels (single-precision arithmetic); both must
 * meet the float32 bound.
 */
const KERNEL_BACKENDS = ["js", "wasm"] as const;

type ArrayType = typeof Float32Array | typeof Float64Array;

function runFixedCase(
  c: FixedCase,
  ArrayType: ArrayType,
): { worst: number; where: string } {
  const params = c.params.map(
    (t) => new Parameter(new ArrayType(t.data), { shape: t.shape }),
  );
  const opt = createOptimizer(c.algorithm, params, c.options);
  let worst = 0;
  let where = "";
  for (let k = 0; k < c.steps; k++) {
    if (c.lrPerStep) opt.paramGroups[0].lr = c.lrPerStep[k];
    params.forEach((p, i) => (p.grad as FloatArray).set(c.grads[k][i]));
    opt.step();
    params.forEach((p, i) => {
      c.expected[k][i].forEach((e, j) => {
        const error = Math.abs(p.data[j] - e) / Math.max(1, Math.abs(e));
        if (!(error <= worst)) {
          worst = Number.isNaN(error) ? Infinity : error;
          where = `step ${k + 1}, tensor ${i}, element ${j}: got ${p.data[j]}, expected ${e}`;
        }
      });
    });
  }
  return { worst, where };
}

/**
 * Runs a Rosenbrock case, computing each gradient in float64 from the
 * current parameters, and returns the worst relative error at the recorded
 * steps.
 */
function runClosedLoop(
  c: ClosedLoopCase,
  ArrayType: ArrayType,
): { worst: number; where: string } {
  const w = new Parameter(new ArrayType(c.start));
  const opt = createOptimizer(c.algorithm, [w], c.options);
  const byStep = new Map(c.trajectory.map((point) => [point.step, point]));
  let worst = 0;
  let where = "";
  for (let step = 1; step <= c.steps; step++) {
    (w.grad as FloatArray).set(rosenbrockGradient(w.data[0], w.data[1]));
    opt.step();
    const point = byStep.get(step);
    if (!point) continue;
    point.params.forEach((e, j) => {
      const error = Math.abs(w.data[j] - e) / Math.max(1, Math.abs(e));
      if (!(error <= worst)) {
        worst = Number.isNaN(error) ? Infinity : error;
        where = `${j === 0 ? "x" : "y"} at step ${step}: got ${w.data[j]}, expected ${e}`;
      }
    });
  }
  return { worst, where };
}

const files = loadOptimizerFiles();

describe("reference vectors", () => {
  it("cover every algorithm family", () => {
    const families = files.map((f) => f.family).sort();
    expect(families).toEqual([
      "adabound",
      "adadelta",
      "adagrad",
      "adam",
      "adamax",
      "adamw",
      "nadam",
      "radam",
      "rmsprop",
      "sgd",
    ]);
  });

  for (const file of files) {
    describe(file.family, () => {
      for (const c of file.cases) {
        it(`${c.name} matches in float64`, () => {
          const { worst, where } = runFixedCase(c, Float64Array);
          expect(worst, where).toBeLessThanOrEqual(TOLERANCE_FLOAT64);
        });

        for (const backend of KERNEL_BACKENDS) {
          it(`${c.name} matches in float32 with ${backend} kernels`, () => {
            setKernelBackend(backend);
            try {
              expect(getKernelBackend()).toBe(backend);
              const { worst, where } = runFixedCase(c, Float32Array);
              expect(worst, where).toBeLessThanOrEqual(TOLERANCE_FLOAT32);
            } finally {
              setKernelBackend("auto");
            }
          });
        }
      }

      for (const c of file.closedLoop) {
        it(`${c.name} follows the Rosenbrock trajectory`, () => {
          const { worst, where } = runClosedLoop(c, Float64Array);
          expect(worst, where).toBeLessThanOrEqual(TOLERANCE_FLOAT64);
        });

        for (const backend of KERNEL_BACKENDS) {
          it(`${c.name} follows the trajectory in float32 with ${backend} kernels`, () => {
            setKernelBackend(backend);
            try {
              expect(getKernelBackend()).toBe(backend);
              const { worst, where } = runClosedLoop(c, Float32Array);
              expect(worst, where).toBeLessThanOrEqual(TOLERANCE_FLOAT32);
            } finally {
              setKernelBackend("auto");
            }
          });
        }
      }
    });
  }
});
