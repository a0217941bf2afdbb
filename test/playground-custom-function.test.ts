import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { runTrajectory } from "../src/landscape/index.js";
import { CustomFunctionError, buildCustomFunction } from "../web/src/custom-function.js";

const square = { x: [-3, 3] as const, y: [-3, 3] as const };

function build(expression: string) {
  return buildCustomFunction({ expression, domain: square, logContours: false });
}

describe("buildCustomFunction", () => {
  it("evaluates the typed expression", () => {
    const fn = build("x^2 * y + sin(x)");
    expect(fn.value(2, 3)).toBeCloseTo(12 + Math.sin(2), 14);
  });

  it("differentiates it symbolically", () => {
    const fn = build("x^2 * y + sin(x) + exp(-y^2)");
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (x, y) => {
        const [gx, gy] = fn.gradient(x, y);
        expect(gx).toBeCloseTo(2 * x * y + Math.cos(x), 10);
        expect(gy).toBeCloseTo(x * x - 2 * y * Math.exp(-y * y), 10);
      }),
      { numRuns: 100 },
    );
  });

  it("knows pi and e", () => {
    expect(build("pi * x + e * y").gradient(0, 0)).toEqual([Math.PI, Math.E]);
  });

  it("turns complex values into NaN", () => {
    expect(build("sqrt(x)").value(-1, 0)).toBeNaN();
  });

  it("uses the given domain and no known minima", () => {
    const fn = buildCustomFunction({ expression: "x^2 + y^2", domain: { x: [0, 4], y: [-1, 1] }, logContours: true });
    expect(fn.domain).toEqual({ x: [0, 4], y: [-1, 1] });
    expect(fn.minima).toEqual([]);
    expect(fn.logContours).toBe(true);
    expect(fn.start[0]).toBeGreaterThan(0);
    expect(fn.start[0]).toBeLessThan(4);
  });

  it("feeds runTrajectory like a built-in function", () => {
    const fn = build("(x - 1)^2 + 2 * (y + 0.5)^2");
    const { points, values } = runTrajectory(fn, "adam", { lr: 0.1 }, [-2, 2], 200);
    const [x, y] = points[points.length - 1];
    expect(values[values.length - 1]).toBeLessThan(values[0] / 1000);
    expect(x).toBeCloseTo(1, 2);
    expect(y).toBeCloseTo(-0.5, 2);
  });
});

describe("buildCustomFunction errors", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /The expression is empty/],
    ["x^2 +", /could not be parsed.*mathjs syntax/],
    ["x^2 + z", /Unknown variable "z".*x, y and the constants pi, e/],
    ["floor(x) + y", /The function "floor" is not supported/],
    ["import(x)", /The function "import" is not supported/],
    ["3 + pi", /does not depend on x or y/],
  ];

  it.each(cases)("rejects %j", (expression, message) => {
    expect(() => build(expression)).toThrow(CustomFunctionError);
    expect(() => build(expression)).toThrow(message);
  });

  it("rejects an empty range", () => {
    const input = { expression: "x^2", domain: { x: [1, 1] as const, y: [-1, 1] as const }, logContours: false };
    expect(() => buildCustomFunction(input)).toThrow(/The x range \[1, 1\] is invalid/);
  });
});
