import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Parameter, createOptimizer, setKernelBackend } from "../src/core/index.js";
import { createTfjsOptimizer } from "../src/tfjs/index.js";
import {
  type ClosedLoopCase,
  type FixedCase,
  loadOptimizerFiles,
  rosenbrockGradient,
} from "./helpers/reference.js";
import { TEST_BACKENDS, useBackend } from "./helpers/tfjs-backend.js";

/**
 * The same bound as the core's float32 golden test: float32 rounding
 * accumulated over 30 steps (200 on Rosenbrock), relative to
 * max(1, |expected|).
 */
const TOLERANCE_FLOAT32 = 1e-5;

interface Outcome {
  /** Variables' values after each step. */
  tfjs: Float32Array[][];
  /** The core's float32 parameters after each step, for the same gradients. */
  core: Float32Array[][];
}

/**
 * Runs a reference case through tf.Variables and through the core with
 * float32 parameters. Odd steps pass gradients as a NamedTensorMap, even
 * steps as a NamedTensor[] in reverse order.
 */
function runCase(c: FixedCase, direct: boolean): Outcome {
  const variables = c.params.map((t) => tf.variable(tf.tensor(t.data, t.shape, "float32")));
  const optimizer = createTfjsOptimizer(c.algorithm, { ...c.options, directAccess: direct });
  const params = c.params.map((t) => new Parameter(new Float32Array(t.data), { shape: t.shape }));
  const core = createOptimizer(c.algorithm, params, c.options);
  const outcome: Outcome = { tfjs: [], core: [] };

  for (let k = 0; k < c.steps; k++) {
    if (c.lrPerStep) {
      optimizer.setLearningRate(c.lrPerStep[k]);
      core.paramGroups[0].lr = c.lrPerStep[k];
    }
    const grads = c.grads[k].map((g, i) => tf.tensor(g, c.params[i].shape, "float32"));
    if (k % 2 === 0) {
      optimizer.applyGradients(Object.fromEntries(variables.map((v, i) => [v.name, grads[i]])));
    } else {
      optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })).reverse());
    }
    tf.dispose(grads);
    params.forEach((p, i) => p.grad!.set(c.grads[k][i]));
    core.step();

    outcome.tfjs.push(variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)));
    outcome.core.push(params.map((p) => Float32Array.from(p.data)));
  }
  tf.dispose(variables);
  optimizer.dispose();
  return outcome;
}

/** Describes the first element where `actual` and `expected` differ in bits, or returns "". */
function firstBitDifference(actual: Float32Array[][], expected: Float32Array[][]): string {
  for (let k = 0; k < expected.length; k++) {
    for (let i = 0; i < expected[k].length; i++) {
      const a = new Uint32Array(actual[k][i].buffer);
      const e = new Uint32Array(expected[k][i].buffer);
      for (let j = 0; j < e.length; j++) {
        if (a[j] !== e[j]) {
          return `step ${k + 1}, tensor ${i}, element ${j}: ${actual[k][i][j]} vs core ${expected[k][i][j]}`;
        }
      }
    }
  }
  return "";
}

function worstReferenceError(c: FixedCase, actual: Float32Array[][]): { worst: number; where: string } {
  let worst = 0;
  let where = "";
  c.expected.forEach((tensors, k) =>
    tensors.forEach((values, i) =>
      values.forEach((e, j) => {
        const error = Math.abs(actual[k][i][j] - e) / Math.max(1, Math.abs(e));
        if (!(error <= worst)) {
          worst = Number.isNaN(error) ? Infinity : error;
          where = `step ${k + 1}, tensor ${i}, element ${j}: got ${actual[k][i][j]}, expected ${e}`;
        }
      }),
    ),
  );
  return { worst, where };
}

/**
 * Runs a Rosenbrock case through a tf.Variable and through the core with
 * float32 parameters, each taking its gradient in float64 from its own
 * current point. Returns both points after every step.
 */
function runClosedLoop(c: ClosedLoopCase): Outcome {
  const variable = tf.variable(tf.tensor(c.start, [2], "float32"));
  const optimizer = createTfjsOptimizer(c.algorithm, { ...c.options, directAccess: true });
  const param = new Parameter(new Float32Array(c.start));
  const core = createOptimizer(c.algorithm, [param], c.options);
  const outcome: Outcome = { tfjs: [], core: [] };

  for (let step = 1; step <= c.steps; step++) {
    const [x, y] = variable.dataSync();
    const grad = tf.tensor(rosenbrockGradient(x, y), [2], "float32");
    optimizer.applyGradients({ [variable.name]: grad });
    grad.dispose();
    param.grad!.set(rosenbrockGradient(param.data[0], param.data[1]));
    core.step();

    outcome.tfjs.push([Float32Array.from(variable.dataSync() as Float32Array)]);
    outcome.core.push([Float32Array.from(param.data)]);
  }
  variable.dispose();
  optimizer.dispose();
  return outcome;
}

/** Returns the worst relative error against the trajectory. `points[k]` is the point after step k + 1. */
function worstTrajectoryError(c: ClosedLoopCase, points: Float32Array[][]): { worst: number; where: string } {
  let worst = 0;
  let where = "";
  c.trajectory.forEach((point) =>
    point.params.forEach((e, j) => {
      const actual = points[point.step - 1][0][j];
      const error = Math.abs(actual - e) / Math.max(1, Math.abs(e));
      if (!(error <= worst)) {
        worst = Number.isNaN(error) ? Infinity : error;
        where = `${j === 0 ? "x" : "y"} at step ${point.step}: got ${actual}, expected ${e}`;
      }
    }),
  );
  return { worst, where };
}

const files = loadOptimizerFiles();

/** The core runs float32 updates in TypeScript loops or in WebAssembly SIMD kernels. */
const KERNELS = ["js", "wasm"] as const;

for (const [backend, kernels] of TEST_BACKENDS.flatMap((b) => KERNELS.map((k) => [b, k] as const))) {
  describe(`reference vectors through tf.Variables on ${backend} with ${kernels} kernels`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      setKernelBackend(kernels);
    });
    afterAll(() => setKernelBackend("auto"));

    for (const file of files) {
      for (const c of file.cases) {
        it(`${c.name} equals the core bit for bit`, () => {
          const { tfjs, core } = runCase(c, true);
          expect(firstBitDifference(tfjs, core)).toBe("");
        });

        it(`${c.name} matches the reference in float32`, () => {
          const { tfjs } = runCase(c, true);
          const { worst, where } = worstReferenceError(c, tfjs);
          expect(worst, where).toBeLessThanOrEqual(TOLERANCE_FLOAT32);
        });
      }

      for (const c of file.closedLoop) {
        it(`${c.name} follows the Rosenbrock trajectory in float32`, () => {
          const { tfjs, core } = runClosedLoop(c);
          expect(firstBitDifference(tfjs, core)).toBe("");
          const { worst, where } = worstTrajectoryError(c, tfjs);
          expect(worst, where).toBeLessThanOrEqual(TOLERANCE_FLOAT32);
        });
      }
    }

    it("copying path equals the core bit for bit", () => {
      for (const file of files) {
        const c = file.cases[0];
        const { tfjs, core } = runCase(c, false);
        expect(firstBitDifference(tfjs, core), c.name).toBe("");
      }
    });
  });
}
