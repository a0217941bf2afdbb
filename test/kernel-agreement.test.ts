/**
 * The WebAssembly kernels against the TypeScript ones, step by step, with
 * options chosen so that slips the reference vectors barely see become
 * large: a big eps makes its placement (inside or outside a root or a max)
 * change the step by far more than float32 rounding.
 */
import { afterEach, describe, expect, it } from "vitest";

import {
  Parameter,
  createOptimizer,
  setKernelBackend,
  type FloatArray,
} from "../src/index.js";

const VARIANTS: Array<[string, Record<string, unknown>]> = [
  ["sgd", { lr: 0.05, weightDecay: 0.1 }],
  ["sgd", { lr: 0.05, momentum: 0.9, dampening: 0.3 }],
  ["nesterov", { lr: 0.05 }],
  [
    "adagrad",
    { lr: 0.1, eps: 0.5, lrDecay: 0.1, initialAccumulatorValue: 0.2 },
  ],
  ["adadelta", { lr: 1, eps: 0.5, rho: 0.8 }],
  ["rmsprop", { lr: 0.01, eps: 0.5 }],
  ["rmsprop", { lr: 0.01, eps: 0.5, centered: true, momentum: 0.8 }],
  ["adam", { lr: 0.01, eps: 0.5, weightDecay: 0.1 }],
  ["amsgrad", { lr: 0.01, eps: 0.5 }],
  ["adamw", { lr: 0.01, eps: 0.5, weightDecay: 0.3 }],
  ["adamax", { lr: 0.01, eps: 0.5 }],
  ["nadam", { lr: 0.01, eps: 0.5, momentumDecay: 0.05 }],
  ["radam", { lr: 0.01, eps: 0.5 }],
  ["nadam", { lr: 0.01, weightDecay: 0.5, decoupledWeightDecay: true }],
  ["radam", { lr: 0.01, weightDecay: 0.5, decoupledWeightDecay: true }],
  ["adabound", { lr: 0.01, eps: 0.5, finalLr: 0.05, gamma: 0.1 }],
  ["amsbound", { lr: 0.01, eps: 0.5, finalLr: 0.05, gamma: 0.1 }],
  ["adaboundw", { lr: 0.01, eps: 0.5, weightDecay: 0.05 }],
];

const LENGTH = 37; // not a multiple of the four SIMD lanes
const STEPS = 12;

function gradients(): number[][] {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  return Array.from({ length: STEPS }, (_, k) =>
    Array.from({ length: LENGTH }, (_, i) =>
      k % 4 === 3 ? 0 : next() * 10 ** ((i % 5) - 2),
    ),
  );
}

function run(
  backend: "js" | "wasm",
  name: string,
  options: Record<string, unknown>,
): Float32Array {
  setKernelBackend(backend);
  const start = Array.from({ length: LENGTH }, (_, i) => Math.sin(i + 1));
  const w = new Parameter(new Float32Array(start));
  const opt = createOptimizer(name, [w], options);
  for (const g of gradients()) {
    (w.grad as FloatArray).set(g);
    opt.step();
  }
  return new Float32Array(w.data);
}

afterEach(() => setKernelBackend("auto"));

describe("wasm and TypeScript kernels agree", () => {
  for (const [name, options] of VARIANTS) {
    it(`${name} ${JSON.stringify(options)}`, () => {
      const expected = run("js", name, options);
      const actual = run("wasm", name, options);
      const moved = expected.some(
        (value, i) => value !== Math.fround(Math.sin(i + 1)),
      );
      expect(moved).toBe(true);
      for (let i = 0; i < LENGTH; i++) {
        const tolerance = 1e-5 * Math.max(1, Math.abs(expected[i]));
        expect(
          Math.abs(actual[i] - expected[i]),
          `element ${i}: ${actual[i]} vs ${expected[i]}`,
        ).toBeLessThanOrEqual(tolerance);
      }
    });
  }
});
