import { describe, expect, it } from "vitest";

import { Parameter, createOptimizer } from "../src/index.js";
import { createTfjsOptimizer } from "../src/tfjs/index.js";

/**
 * The options of createOptimizer and createTfjsOptimizer are typed by
 * algorithm for a literal lowercase name. `npm test` type-checks this file
 * (tsc --noEmit) before vitest runs it, so each @ts-expect-error line fails
 * the build if the call it marks type-checks.
 */

const w = new Parameter(new Float32Array(2));

describe("option types", () => {
  it("accept each algorithm's own options", () => {
    const built = [
      createOptimizer("adamw", [w], { lr: 1e-3, betas: [0.9, 0.99] }),
      createOptimizer("nesterov", [w], { lr: 0.1, dampening: 0 }),
      createOptimizer("adabound", [w], { finalLr: 0.1, gamma: 1e-3 }),
      createOptimizer("nadam", [w], { momentumDecay: 4e-3 }),
      createOptimizer("rmsprop", [w], { centered: true, skipNonFinite: true }),
    ];
    expect(built).toHaveLength(5);
  });

  it("reject misspelt options at compile time", () => {
    // @ts-expect-error `lrr` is not an Adam option.
    const misspelt = () => createOptimizer("adam", [w], { lrr: 1 });
    // @ts-expect-error SGD has no betas.
    const foreign = () => createOptimizer("sgd", [w], { betas: [0.9, 0.99] });
    // @ts-expect-error lr is a number.
    const mistyped = () => createOptimizer("adam", [w], { lr: "0.1" });
    // @ts-expect-error TF.js spells it learningRate, descent lr.
    const tfjsName = () => createTfjsOptimizer("adam", { learningRate: 0.1 });
    for (const call of [misspelt, foreign, mistyped, tfjsName])
      expect(call).toThrow(TypeError);
  });

  it("leave names known only at run time unchecked", () => {
    const name: string = "adam";
    expect(() => createOptimizer(name, [w], { lrr: 1 })).toThrow(/lrr/);
    expect(createTfjsOptimizer(name, { directAccess: false })).toBeDefined();
  });
});
