import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  type TestFunction,
  distanceToNearestMinimum,
  getTestFunction,
  testFunctionNames,
  testFunctions,
} from "./functions.js";

/** Central difference of f along x and y with step h. */
function centralDifference(fn: TestFunction, x: number, y: number, h: number): [number, number] {
  return [
    (fn.value(x + h, y) - fn.value(x - h, y)) / (2 * h),
    (fn.value(x, y + h) - fn.value(x, y - h)) / (2 * h),
  ];
}

function pointIn(fn: TestFunction) {
  const { x, y } = fn.domain;
  return fc.tuple(
    fc.double({ min: x[0], max: x[1], noNaN: true }),
    fc.double({ min: y[0], max: y[1], noNaN: true }),
  );
}

describe.each(testFunctions.map((fn) => [fn.name, fn] as const))("%s", (_, fn) => {
  it("gradient matches central differences", () => {
    fc.assert(
      fc.property(pointIn(fn), ([x, y]) => {
        const [gx, gy] = fn.gradient(x, y);
        const [dx, dy] = centralDifference(fn, x, y, 1e-6);
        // The difference's rounding error is about 2.2e-16·|f| / h = 2.2e-10·|f|.
        const rounding = 1e-9 * Math.abs(fn.value(x, y));
        expect(Math.abs(gx - dx)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(gx)) + rounding);
        expect(Math.abs(gy - dy)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(gy)) + rounding);
      }),
      { numRuns: 300 },
    );
  });

  it("gradient vanishes at every listed minimum", () => {
    for (const { point } of fn.minima) {
      const [gx, gy] = fn.gradient(point[0], point[1]);
      expect(Math.hypot(gx, gy)).toBeLessThan(1e-9);
    }
  });

  it("listed minima are lower than their neighbourhood", () => {
    for (const { point, value } of fn.minima) {
      expect(fn.value(point[0], point[1])).toBeCloseTo(value, 12);
      for (let k = 0; k < 16; k++) {
        const angle = (2 * Math.PI * k) / 16;
        const x = point[0] + 1e-3 * Math.cos(angle);
        const y = point[1] + 1e-3 * Math.sin(angle);
        expect(fn.value(x, y)).toBeGreaterThan(value);
      }
    }
  });

  it("domain, start and steps are usable", () => {
    expect(fn.domain.x[0]).toBeLessThan(fn.domain.x[1]);
    expect(fn.domain.y[0]).toBeLessThan(fn.domain.y[1]);
    expect(fn.start[0]).toBeGreaterThanOrEqual(fn.domain.x[0]);
    expect(fn.start[0]).toBeLessThanOrEqual(fn.domain.x[1]);
    expect(fn.start[1]).toBeGreaterThanOrEqual(fn.domain.y[0]);
    expect(fn.start[1]).toBeLessThanOrEqual(fn.domain.y[1]);
    expect(Number.isInteger(fn.steps)).toBe(true);
    expect(fn.steps).toBeGreaterThan(0);
  });
});

/**
 * Published minimizers (6 decimals) and minimum values. Sources: the
 * argmin_testfunctions docs (Rosenbrock, Beale, Himmelblau, Booth, Rastrigin,
 * Styblinski-Tang: −39.16616 per coordinate) and benchmarkfcns.info
 * (six-hump camel: −1.0316 at (±0.0898, ∓0.7126)).
 */
const PUBLISHED_MINIMA: ReadonlyArray<{
  name: string;
  point: [number, number];
  value: number;
  /** Digits after the point to which the published minimizer is given. */
  pointDigits: number;
  valueTolerance: number;
}> = [
  { name: "rosenbrock", point: [1, 1], value: 0, pointDigits: 12, valueTolerance: 1e-15 },
  { name: "beale", point: [3, 0.5], value: 0, pointDigits: 12, valueTolerance: 1e-15 },
  { name: "himmelblau", point: [3, 2], value: 0, pointDigits: 12, valueTolerance: 1e-15 },
  { name: "himmelblau", point: [-2.805118, 3.131312], value: 0, pointDigits: 6, valueTolerance: 1e-20 },
  { name: "himmelblau", point: [-3.77931, -3.283186], value: 0, pointDigits: 6, valueTolerance: 1e-20 },
  { name: "himmelblau", point: [3.584428, -1.848126], value: 0, pointDigits: 6, valueTolerance: 1e-20 },
  { name: "booth", point: [1, 3], value: 0, pointDigits: 12, valueTolerance: 1e-15 },
  { name: "rastrigin", point: [0, 0], value: 0, pointDigits: 12, valueTolerance: 1e-15 },
  { name: "six-hump-camel", point: [0.0898, -0.7126], value: -1.0316, pointDigits: 4, valueTolerance: 5e-5 },
  { name: "six-hump-camel", point: [-0.0898, 0.7126], value: -1.0316, pointDigits: 4, valueTolerance: 5e-5 },
  { name: "styblinski-tang", point: [-2.903534, -2.903534], value: -2 * 39.16616, pointDigits: 6, valueTolerance: 2e-5 },
  { name: "quadratic", point: [0, 0], value: 0, pointDigits: 12, valueTolerance: 1e-15 },
];

describe("published minima", () => {
  it.each(PUBLISHED_MINIMA)("$name at ($point)", ({ name, point, value, pointDigits, valueTolerance }) => {
    const fn = getTestFunction(name);
    const listed = fn.minima.find(
      (m) => Math.hypot(m.point[0] - point[0], m.point[1] - point[1]) < 10 ** -pointDigits,
    );
    expect(listed, `no listed minimum near (${point})`).toBeDefined();
    expect(listed!.global).toBe(true);
    expect(Math.abs(listed!.value - value)).toBeLessThanOrEqual(valueTolerance);
  });

  it("every function with a lower bound lists a global minimum", () => {
    for (const fn of testFunctions) {
      const hasGlobal = fn.minima.some((m) => m.global);
      expect(hasGlobal, fn.name).toBe(!["saddle", "monkey-saddle"].includes(fn.name));
    }
  });

  it("global minima share the lowest value", () => {
    for (const fn of testFunctions) {
      const lowest = Math.min(...fn.minima.map((m) => m.value));
      for (const m of fn.minima) expect(m.global, fn.name).toBe(m.value === lowest);
    }
  });
});

describe("getTestFunction", () => {
  it("finds each function by name, ignoring case", () => {
    for (const name of testFunctionNames) {
      expect(getTestFunction(name.toUpperCase()).name).toBe(name);
    }
  });

  it("rejects an unknown name and lists the valid ones", () => {
    expect(() => getTestFunction("rosenbrok")).toThrow(TypeError);
    expect(() => getTestFunction("rosenbrok")).toThrow(/"rosenbrok".*rosenbrock, beale/);
  });
});

describe("distanceToNearestMinimum", () => {
  it("measures to the closest of several minima", () => {
    const himmelblau = getTestFunction("himmelblau");
    expect(distanceToNearestMinimum(himmelblau, [3, 5])).toBeCloseTo(3, 12);
  });

  it("is undefined without known minima", () => {
    expect(distanceToNearestMinimum(getTestFunction("saddle"), [0, 0])).toBeUndefined();
  });
});
