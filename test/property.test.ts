import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Parameter, createOptimizer, type FloatArray } from "../src/index.js";
import { ALGORITHM_CASES } from "./helpers/algorithms.js";

const names = ALGORITHM_CASES.filter((c) => !c.decayIgnoresLr).map(
  (c) => c.name,
);
const finite = fc.double({
  min: -100,
  max: 100,
  noNaN: true,
  noDefaultInfinity: true,
});
const gradSequence = (length: number) =>
  fc.array(fc.array(finite, { minLength: length, maxLength: length }), {
    minLength: 1,
    maxLength: 8,
  });

function optionsFor(name: string): Record<string, unknown> {
  return ALGORITHM_CASES.find((c) => c.name === name)?.options ?? {};
}

describe("properties", () => {
  it("lr 0 leaves parameters unchanged", () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), gradSequence(4), (name, grads) => {
        const start = [0.5, -1, 2, 0];
        const w = new Parameter(new Float64Array(start));
        const opt = createOptimizer(name, [w], {
          ...optionsFor(name),
          weightDecay: 0.1,
        });
        opt.paramGroups[0].lr = 0;
        for (const g of grads) {
          (w.grad as FloatArray).set(g);
          opt.step();
        }
        expect(Array.from(w.data)).toEqual(start);
      }),
      { numRuns: 150 },
    );
  });

  it("AMSGrad's vMax never decreases", () => {
    fc.assert(
      fc.property(gradSequence(3), (grads) => {
        const w = new Parameter(new Float64Array([1, 1, 1]));
        const opt = createOptimizer("amsgrad", [w], { lr: 0.01 });
        let previous = [0, 0, 0];
        for (const g of grads) {
          (w.grad as FloatArray).set(g);
          opt.step();
          const vMax = Array.from(opt.state.get(w)?.buffers.vMax ?? []);
          vMax.forEach((value, i) =>
            expect(value).toBeGreaterThanOrEqual(previous[i]),
          );
          previous = vMax;
        }
      }),
    );
  });

  it("AdaBound's step size stays within its bounds", () => {
    fc.assert(
      fc.property(
        gradSequence(3),
        fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        fc.double({ min: 1e-4, max: 0.9, noNaN: true }),
        (grads, finalLr, gamma) => {
          const w = new Parameter(new Float64Array([1, -1, 0.5]));
          const lr = 0.01;
          const opt = createOptimizer("adabound", [w], { lr, finalLr, gamma });
          grads.forEach((g, k) => {
            const t = k + 1;
            const before = Array.from(w.data);
            (w.grad as FloatArray).set(g);
            opt.step();
            const m = opt.state.get(w)?.buffers.m as FloatArray;
            const lower = finalLr * (1 - 1 / (gamma * t + 1));
            const upper = finalLr * (1 + 1 / (gamma * t));
            for (let i = 0; i < 3; i++) {
              // Below this the change of θ is lost in θ's own rounding.
              if (Math.abs(m[i]) < 1e-6) continue;
              const size = (before[i] - w.data[i]) / m[i];
              expect(size).toBeGreaterThanOrEqual(lower * (1 - 1e-6) - 1e-9);
              expect(size).toBeLessThanOrEqual(upper * (1 + 1e-6) + 1e-9);
            }
          });
        },
      ),
    );
  });

  it("permuting parameters permutes the result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...names), gradSequence(5), (name, grads) => {
        const make = () => [
          new Parameter(new Float64Array([1, 2])),
          new Parameter(new Float64Array([3, -1, 0.5])),
        ];
        const [a1, b1] = make();
        const [a2, b2] = make();
        const forward = createOptimizer(name, [a1, b1], optionsFor(name));
        const backward = createOptimizer(name, [b2, a2], optionsFor(name));
        for (const g of grads) {
          for (const p of [a1, a2]) (p.grad as FloatArray).set(g.slice(0, 2));
          for (const p of [b1, b2]) (p.grad as FloatArray).set(g.slice(2));
          forward.step();
          backward.step();
        }
        expect(Array.from(a2.data)).toEqual(Array.from(a1.data));
        expect(Array.from(b2.data)).toEqual(Array.from(b1.data));
      }),
      { numRuns: 100 },
    );
  });
});
