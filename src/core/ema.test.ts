import { describe, expect, it } from "vitest";
import { ExponentialMovingAverage } from "./ema.js";
import { Parameter } from "./parameter.js";
import { StateDictError } from "./validation.js";

describe("ExponentialMovingAverage", () => {
  it("starts at the weights and moves by (1 − β) of the gap", () => {
    const w = new Parameter(new Float64Array([0, 4]));
    const ema = new ExponentialMovingAverage([w], { decay: 0.75 });
    expect(Array.from(ema.averages[0])).toEqual([0, 4]);
    w.data.set([8, 0]);
    ema.update();
    expect(Array.from(ema.averages[0])).toEqual([2, 3]);
    ema.update();
    expect(Array.from(ema.averages[0])).toEqual([3.5, 2.25]);
    expect(ema.numUpdates).toBe(2);
  });

  it("uses min(β, (1 + n)/(10 + n)) with warmup", () => {
    const w = new Parameter(new Float64Array([0]));
    const ema = new ExponentialMovingAverage([w], {
      decay: 0.999,
      warmup: true,
    });
    w.data[0] = 11;
    ema.update();
    // β₁ = 2/11, so the average moves 9/11 of the way to 11.
    expect(ema.averages[0][0]).toBeCloseTo(9, 14);
  });

  it("applies the averages for evaluation and restores the weights", () => {
    const w = new Parameter(new Float32Array([1, 2]));
    const ema = new ExponentialMovingAverage([w], { decay: 0.5 });
    w.data.set([3, 6]);
    ema.update();
    ema.applyTo();
    expect(Array.from(w.data)).toEqual([2, 4]);
    expect(() => ema.update()).toThrow(
      /ExponentialMovingAverage\.update: the averages are applied to the parameters\. Call restore\(\) first/,
    );
    expect(() => ema.applyTo()).toThrow(/applyTo: the averages are applied/);
    ema.restore();
    expect(Array.from(w.data)).toEqual([3, 6]);
    expect(() => ema.restore()).toThrow(
      /restore: the averages are not applied, so there is nothing to restore/,
    );
  });

  it("keeps moving float32 weights at a decay close to 1", () => {
    const w = new Parameter(new Float32Array([1]));
    const ema = new ExponentialMovingAverage([w], { decay: 0.99999999 });
    w.data[0] = 2;
    for (let n = 0; n < 10; n++) ema.update();
    expect(ema.averages[0][0]).toBeGreaterThan(1);
  });

  it("copies the averages into other parameters", () => {
    const w = new Parameter(new Float64Array([1]));
    const copy = new Parameter(new Float64Array([0]));
    const ema = new ExponentialMovingAverage([w]);
    ema.copyTo([copy]);
    expect(copy.data[0]).toBe(1);
    expect(() => ema.copyTo([copy, copy])).toThrow(
      /copyTo: got 2 targets for 1 averaged parameters/,
    );
    expect(() => ema.copyTo([new Parameter(new Float64Array(2))])).toThrow(
      /parameter 0 has 2 elements but its average has 1/,
    );
  });

  it("continues identically after a saved state is loaded", () => {
    const w = new Parameter(new Float64Array([0.3, -0.7]));
    const ema = new ExponentialMovingAverage([w], { decay: 0.9, warmup: true });
    w.data.set([1, 1]);
    ema.update();
    const v = new Parameter(new Float64Array([5, 5]));
    const resumed = new ExponentialMovingAverage([v]);
    resumed.loadStateDict(JSON.parse(JSON.stringify(ema.stateDict())));
    v.data.set([2, -2]);
    w.data.set([2, -2]);
    ema.update();
    resumed.update();
    expect(Array.from(resumed.averages[0])).toEqual(
      Array.from(ema.averages[0]),
    );
    expect(resumed.numUpdates).toBe(2);
  });

  it("rejects a state saved for other parameters", () => {
    const saved = new ExponentialMovingAverage([
      new Parameter(new Float64Array(2)),
    ]).stateDict();
    const ema = new ExponentialMovingAverage([
      new Parameter(new Float64Array(3)),
    ]);
    expect(() => ema.loadStateDict(saved)).toThrow(StateDictError);
    expect(() => ema.loadStateDict(saved)).toThrow(
      /averages\[0\] must be float64 with 3 elements like its parameter/,
    );
    expect(() => ema.loadStateDict({ ...saved, decay: 2 })).toThrow(
      /its options are invalid: ExponentialMovingAverage\.loadStateDict: decay must be a number in \[0, 1\], got 2/,
    );
    expect(() =>
      ema.loadStateDict({ format: "descent-optimizer" } as never),
    ).toThrow(/expected a state dict of format "descent-ema" version 1/);
  });

  it("rejects an update count beyond 2^53 - 1", () => {
    const w = new Parameter(new Float64Array([1, 2]));
    const ema = new ExponentialMovingAverage([w]);
    const saved = { ...ema.stateDict(), numUpdates: 2 ** 53 };
    expect(() => ema.loadStateDict(saved)).toThrow(StateDictError);
    expect(() => ema.loadStateDict(saved)).toThrow(
      /numUpdates must be an integer in \[0, 9007199254740991\], got 9007199254740992\. Pass what stateDict\(\) returned$/,
    );
    expect(ema.numUpdates).toBe(0);
  });

  const errors: [string, () => unknown, typeof TypeError, RegExp][] = [
    [
      "no parameters",
      () => new ExponentialMovingAverage([]),
      TypeError,
      /ExponentialMovingAverage: params must be a non-empty array of Parameter, got \[\]/,
    ],
    [
      "a decay above 1",
      () =>
        new ExponentialMovingAverage([new Parameter(new Float64Array(1))], {
          decay: 1.5,
        }),
      RangeError,
      /ExponentialMovingAverage: decay must be a number in \[0, 1\], got 1\.5\. Try decay: 0\.999\./,
    ],
    [
      "a non-boolean warmup",
      () =>
        new ExponentialMovingAverage([new Parameter(new Float64Array(1))], {
          warmup: "yes" as never,
        }),
      TypeError,
      /warmup must be true or false, got "yes"/,
    ],
    [
      "an unknown option",
      () =>
        new ExponentialMovingAverage([new Parameter(new Float64Array(1))], {
          beta: 0.9,
        } as never),
      TypeError,
      /unknown option "beta"\. Valid options: decay, warmup\./,
    ],
  ];
  for (const [name, build, error, message] of errors) {
    it(`rejects ${name}`, () => {
      expect(build).toThrow(error);
      expect(build).toThrow(message);
    });
  }

  it("rejects a parameter whose length changed", () => {
    const w = new Parameter(new Float64Array(2));
    const ema = new ExponentialMovingAverage([w]);
    w.data = new Float64Array(3);
    expect(() => ema.update()).toThrow(
      /ExponentialMovingAverage\.update: parameter 0 has 3 elements but its average has 2/,
    );
    expect(ema.numUpdates).toBe(0);
  });
});
