import { describe, expect, it } from "vitest";
import { clipGradNorm, clipGradValue } from "./clip.js";
import { Parameter } from "./parameter.js";

function param(
  grad: number[] | null,
  ArrayType: typeof Float64Array | typeof Float32Array = Float64Array,
): Parameter {
  const length = grad?.length ?? 1;
  return new Parameter(new ArrayType(length), {
    grad: grad === null ? null : new ArrayType(grad),
  });
}

describe("clipGradNorm", () => {
  // The gradients [3, 4] and [-1]: Σ|g|^p is 3^p + 4^p + 1.
  const norms: [number, number][] = [
    [0.5, (Math.sqrt(3) + 2 + 1) ** 2],
    [1.5, (3 ** 1.5 + 8 + 1) ** (1 / 1.5)],
  ];
  for (const [p, expected] of norms) {
    it(`computes the ${p}-norm over every tensor`, () => {
      const params = [param([3, 4]), param([-1])];
      const total = clipGradNorm(params, { maxNorm: 1, normType: p });
      expect(total).toBeCloseTo(expected, 12);
      const c = 1 / (expected + 1e-6);
      expect(Array.from(params[0].grad as Float64Array)).toEqual(
        [3 * c, 4 * c].map((x) => expect.closeTo(x, 15)),
      );
      expect((params[1].grad as Float64Array)[0]).toBeCloseTo(-c, 15);
    });
  }

  it("skips parameters without a gradient", () => {
    const params = [param([3, 4]), param(null)];
    expect(clipGradNorm(params, { maxNorm: 10 })).toBe(5);
    expect(params[1].grad).toBeNull();
  });

  it("returns 0 when no parameter has a gradient", () => {
    expect(clipGradNorm([param(null)], { maxNorm: 1 })).toBe(0);
    expect(clipGradNorm([], { maxNorm: 1 })).toBe(0);
  });

  it("takes a single parameter", () => {
    const w = param([0, 2]);
    expect(clipGradNorm(w, { maxNorm: 1, normType: Infinity })).toBe(2);
    expect((w.grad as Float64Array)[1]).toBeCloseTo(2 / (2 + 1e-6), 15);
  });

  it("scales Float32Array gradients", () => {
    const w = param([3, 4], Float32Array);
    expect(clipGradNorm([w], { maxNorm: 1 })).toBe(5);
    expect((w.grad as Float32Array)[0]).toBeCloseTo(0.6, 6);
  });

  const errors: [string, Record<string, unknown>, typeof TypeError, RegExp][] =
    [
      [
        "a missing maxNorm",
        {},
        TypeError,
        /clipGradNorm: maxNorm must be a number >= 0, got undefined\. Try maxNorm: 1\./,
      ],
      [
        "a negative maxNorm",
        { maxNorm: -1 },
        RangeError,
        /maxNorm must be a number >= 0, got -1/,
      ],
      [
        "an infinite maxNorm",
        { maxNorm: Infinity },
        RangeError,
        /maxNorm must be a number >= 0, got Infinity/,
      ],
      [
        "normType 0",
        { maxNorm: 1, normType: 0 },
        RangeError,
        /normType must be a number > 0 or Infinity, got 0\. Try normType: 2\./,
      ],
      [
        "a string normType",
        { maxNorm: 1, normType: "inf" },
        TypeError,
        /normType must be a number > 0 or Infinity, got "inf"/,
      ],
      [
        "a non-boolean errorIfNonfinite",
        { maxNorm: 1, errorIfNonfinite: 1 },
        TypeError,
        /errorIfNonfinite must be true or false, got 1/,
      ],
      [
        "PyTorch's norm_type",
        { maxNorm: 1, norm_type: Infinity },
        TypeError,
        /clipGradNorm: unknown option "norm_type"\. Use normType instead\./,
      ],
      [
        "an unknown option",
        { maxNorm: 1, bogus: 1 },
        TypeError,
        /unknown option "bogus"\. Valid options: maxNorm, normType, errorIfNonfinite\./,
      ],
    ];
  for (const [name, options, error, message] of errors) {
    it(`rejects ${name} before changing a gradient`, () => {
      const w = param([3, 4]);
      expect(() => clipGradNorm([w], options as never)).toThrow(error);
      expect(() => clipGradNorm([w], options as never)).toThrow(message);
      expect(Array.from(w.grad as Float64Array)).toEqual([3, 4]);
    });
  }

  it("rejects a non-finite total with errorIfNonfinite, naming it", () => {
    const w = param([3, NaN]);
    expect(() =>
      clipGradNorm([w], { maxNorm: 1, errorIfNonfinite: true }),
    ).toThrow(
      /clipGradNorm: the total 2-norm of the gradients is NaN, and errorIfNonfinite is set; the gradients were left unchanged/,
    );
  });

  it("rejects entries that are not parameters", () => {
    expect(() =>
      clipGradNorm([new Float64Array(2)] as never, { maxNorm: 1 }),
    ).toThrow(
      /clipGradNorm: params\[0\] must be a Parameter, got Float64Array\(2\)\. Wrap arrays with new Parameter\(data\)\./,
    );
    expect(() => clipGradNorm("w" as never, { maxNorm: 1 })).toThrow(
      /params must be a Parameter or an array of Parameter, got "w"/,
    );
  });

  it("rejects a gradient that does not match its data before scaling any", () => {
    const good = param([3, 4]);
    const bad = param([1, 1]);
    bad.grad = new Float64Array(3);
    expect(() => clipGradNorm([good, bad], { maxNorm: 1 })).toThrow(
      /clipGradNorm: parameter 1: grad has length 3 but data has length 2/,
    );
    expect(Array.from(good.grad as Float64Array)).toEqual([3, 4]);
  });
});

describe("clipGradValue", () => {
  it("clamps every element and keeps NaN", () => {
    const w = param([-2, 0.5, Infinity, NaN]);
    clipGradValue([w], { clipValue: 1 });
    expect(Array.from(w.grad as Float64Array)).toEqual([-1, 0.5, 1, NaN]);
  });

  it("rejects a negative clipValue before changing a gradient", () => {
    const w = param([-2, 2]);
    expect(() => clipGradValue([w], { clipValue: -1 })).toThrow(RangeError);
    expect(() => clipGradValue([w], { clipValue: -1 })).toThrow(
      /clipGradValue: clipValue must be a number >= 0, got -1\. Try clipValue: 1\./,
    );
    expect(Array.from(w.grad as Float64Array)).toEqual([-2, 2]);
  });

  it("rejects an unknown option before changing a gradient", () => {
    const w = param([-2, 2]);
    const options = { clipValue: 1, clip_value: 3 } as never;
    expect(() => clipGradValue([w], options)).toThrow(TypeError);
    expect(() => clipGradValue([w], options)).toThrow(
      /clipGradValue: unknown option "clip_value"\. Use clipValue instead\./,
    );
    expect(Array.from(w.grad as Float64Array)).toEqual([-2, 2]);
  });

  it("rejects options that are not an object", () => {
    expect(() => clipGradValue([param([1])], 1 as never)).toThrow(
      /clipGradValue: options must be an object, got 1/,
    );
  });
});
