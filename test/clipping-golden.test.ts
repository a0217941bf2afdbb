import { describe, expect, it } from "vitest";
import { Parameter } from "../src/core/index.js";
import { clipGradNorm, clipGradValue } from "../src/core/clip.js";
import { closeTo, loadReference } from "./helpers/reference.js";

/** The comparison rule of the reference data. */
const TOLERANCE = 1e-10;

/** A number as the clipping file writes it: non-finite values are strings. */
type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

interface ClipCase {
  name: string;
  function: "clipGradNorm" | "clipGradValue";
  description: string;
  options: Record<string, JsonNumber | boolean>;
  grads: { shape: number[]; data: JsonNumber[] }[];
  expectedTotalNorm?: JsonNumber;
  expectedGrads?: JsonNumber[][];
  expectError?: true;
}

function toNumber(value: JsonNumber): number {
  return typeof value === "number" ? value : Number(value);
}

/** Non-finite values must match exactly (the sign of a zero is not checked). */
function matches(actual: number, expected: number): boolean {
  if (!Number.isFinite(expected)) return Object.is(actual, expected);
  return closeTo(actual, expected, TOLERANCE);
}

function buildParams(c: ClipCase): Parameter[] {
  return c.grads.map((tensor) => {
    const grad = new Float64Array(tensor.data.map(toNumber));
    return new Parameter(new Float64Array(grad.length), { shape: tensor.shape, grad });
  });
}

function callCase(c: ClipCase, params: Parameter[]): number | undefined {
  const options = Object.fromEntries(
    Object.entries(c.options).map(([key, value]) => [key, typeof value === "boolean" ? value : toNumber(value)]),
  );
  if (c.function === "clipGradNorm") return clipGradNorm(params, options as { maxNorm: number });
  clipGradValue(params, options as { clipValue: number });
  return undefined;
}

const file = loadReference<{ family: string; cases: ClipCase[] }>("clipping.json");

describe("clipping reference vectors", () => {
  it("cover both functions", () => {
    const functions = new Set(file.cases.map((c) => c.function));
    expect([...functions].sort()).toEqual(["clipGradNorm", "clipGradValue"]);
  });

  for (const c of file.cases) {
    it(`${c.name} matches`, () => {
      const params = buildParams(c);
      if (c.expectError) {
        const before = params.map((p) => Array.from(p.grad as Float64Array));
        expect(() => callCase(c, params)).toThrow(RangeError);
        params.forEach((p, i) => expect(Array.from(p.grad as Float64Array)).toEqual(before[i]));
        return;
      }

      const total = callCase(c, params);
      if (c.expectedTotalNorm !== undefined) {
        const expected = toNumber(c.expectedTotalNorm);
        expect(matches(total as number, expected), `total norm ${total}, expected ${expected}`).toBe(true);
      }
      (c.expectedGrads as JsonNumber[][]).forEach((tensor, i) => {
        tensor.forEach((value, j) => {
          const actual = (params[i].grad as Float64Array)[j];
          const expected = toNumber(value);
          expect(matches(actual, expected), `tensor ${i} element ${j}: ${actual}, expected ${expected}`).toBe(true);
        });
      });
    });
  }
});
