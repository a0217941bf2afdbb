import { describe, expect, it } from "vitest";
import { GradientAccumulator } from "./accumulate.js";
import { SGD } from "./algorithms/sgd.js";
import { Parameter } from "./parameter.js";
import { StateDictError } from "./validation.js";

function feed(
  acc: GradientAccumulator,
  w: Parameter,
  grads: (number[] | null)[],
): boolean[] {
  return grads.map((g) => {
    if (g === null) w.grad = null;
    else (w.grad ??= new Float64Array(g.length)).set(g);
    return acc.accumulate();
  });
}

describe("GradientAccumulator", () => {
  it("releases the mean after k micro-batches", () => {
    const w = new Parameter(new Float64Array(2));
    const acc = new GradientAccumulator([w], { steps: 3 });
    expect(
      feed(acc, w, [
        [1, 2],
        [2, 4],
        [6, 0],
      ]),
    ).toEqual([false, false, true]);
    expect(Array.from(w.grad as Float64Array)).toEqual([3, 2]);
    expect(acc.count).toBe(0);
  });

  it("releases the sum with reduction sum", () => {
    const w = new Parameter(new Float64Array(1));
    const acc = new GradientAccumulator([w], { steps: 2, reduction: "sum" });
    feed(acc, w, [[1], [2]]);
    expect((w.grad as Float64Array)[0]).toBe(3);
  });

  it("equals one step on the whole batch", () => {
    const batch = [
      [0.5, -1],
      [1.5, 3],
      [-2, 1],
      [4, 0],
    ];
    const mean = [1, 0.75];
    const whole = new Parameter(new Float64Array([1, 1]));
    (whole.grad as Float64Array).set(mean);
    new SGD([whole], { lr: 0.1 }).step();

    const w = new Parameter(new Float64Array([1, 1]));
    const opt = new SGD([w], { lr: 0.1 });
    const acc = new GradientAccumulator([w], { steps: 4 });
    for (const g of batch) {
      (w.grad as Float64Array).set(g);
      if (acc.accumulate()) opt.step();
    }
    expect(Array.from(w.data)).toEqual(Array.from(whole.data));
  });

  it("divides by the window size even when a gradient was missing", () => {
    const w = new Parameter(new Float64Array(1));
    const acc = new GradientAccumulator([w], { steps: 2 });
    expect(feed(acc, w, [[4], null])).toEqual([false, true]);
    expect((w.grad as Float64Array)[0]).toBe(2);
  });

  it("leaves a parameter without any gradient in the window at null", () => {
    const a = new Parameter(new Float64Array(1));
    const b = new Parameter(new Float64Array(1), { grad: null });
    const acc = new GradientAccumulator([a, b], { steps: 1 });
    expect(acc.accumulate()).toBe(true);
    expect(b.grad).toBeNull();
  });

  it("flushes a short last window as its mean", () => {
    const w = new Parameter(new Float64Array(1));
    const acc = new GradientAccumulator([w], { steps: 4 });
    expect(acc.flush()).toBe(false);
    feed(acc, w, [[1], [3]]);
    expect(acc.flush()).toBe(true);
    expect((w.grad as Float64Array)[0]).toBe(2);
    expect(acc.count).toBe(0);
  });

  it("sums Float32Array gradients in float64", () => {
    const w = new Parameter(new Float32Array(1));
    const acc = new GradientAccumulator([w], { steps: 2, reduction: "sum" });
    feed(acc, w, [[1e8], [1]]);
    expect((w.grad as Float32Array)[0]).toBe(Math.fround(1e8 + 1));
  });

  it("continues identically after a saved state is loaded", () => {
    const w = new Parameter(new Float64Array(2));
    const acc = new GradientAccumulator([w], { steps: 3 });
    feed(acc, w, [
      [0.1, 0.2],
      [0.3, 0.7],
    ]);
    const saved = JSON.parse(JSON.stringify(acc.stateDict()));

    const v = new Parameter(new Float64Array(2));
    const resumed = new GradientAccumulator([v], {
      steps: 5,
      reduction: "sum",
    });
    resumed.loadStateDict(saved);
    expect(resumed.steps).toBe(3);
    expect(feed(resumed, v, [[0.5, 0.5]])).toEqual([true]);
    expect(feed(acc, w, [[0.5, 0.5]])).toEqual([true]);
    expect(Array.from(v.grad as Float64Array)).toEqual(
      Array.from(w.grad as Float64Array),
    );
  });

  it("rejects a state saved for other parameters", () => {
    const saved = new GradientAccumulator(
      [new Parameter(new Float64Array(2))],
      { steps: 2 },
    );
    feed(saved, saved.params[0], [[1, 1]]);
    const acc = new GradientAccumulator([new Parameter(new Float64Array(3))], {
      steps: 2,
    });
    expect(() => acc.loadStateDict(saved.stateDict())).toThrow(StateDictError);
    expect(() => acc.loadStateDict(saved.stateDict())).toThrow(
      /sums\[0\] must be float64 with 3 elements like its parameter/,
    );
    expect(() => acc.loadStateDict({ ...saved.stateDict(), count: 2 })).toThrow(
      /count must be an integer in \[0, 2\), got 2/,
    );
    expect(acc.count).toBe(0);
  });

  it("rejects a count beyond 2^53 - 1", () => {
    const w = new Parameter(new Float64Array(2));
    const acc = new GradientAccumulator([w], { steps: 2 });
    const saved = { ...acc.stateDict(), steps: 2 ** 60, count: 2 ** 53 };
    expect(() => acc.loadStateDict(saved)).toThrow(StateDictError);
    expect(() => acc.loadStateDict(saved)).toThrow(
      /count must be an integer in \[0, 9007199254740992\), got 9007199254740992\. Pass what stateDict\(\) returned$/,
    );
    expect(acc.steps).toBe(2);
  });

  const errors: [string, () => unknown, typeof TypeError, RegExp][] = [
    [
      "no parameters",
      () => new GradientAccumulator([], { steps: 2 }),
      TypeError,
      /GradientAccumulator: params must be a non-empty array of Parameter, got \[\]/,
    ],
    [
      "a parameter listed twice",
      () => {
        const w = new Parameter(new Float64Array(1));
        return new GradientAccumulator([w, w], { steps: 2 });
      },
      TypeError,
      /params\[1\] is listed twice/,
    ],
    [
      "steps 0",
      () =>
        new GradientAccumulator([new Parameter(new Float64Array(1))], {
          steps: 0,
        }),
      RangeError,
      /GradientAccumulator: steps must be an integer >= 1, got 0\. Try steps: 4\./,
    ],
    [
      "a missing steps",
      () =>
        new GradientAccumulator(
          [new Parameter(new Float64Array(1))],
          {} as never,
        ),
      TypeError,
      /steps must be an integer >= 1, got undefined/,
    ],
    [
      "an unknown reduction",
      () =>
        new GradientAccumulator([new Parameter(new Float64Array(1))], {
          steps: 2,
          reduction: "avg" as never,
        }),
      RangeError,
      /reduction must be "mean" or "sum", got "avg"/,
    ],
    [
      "an unknown option",
      () =>
        new GradientAccumulator([new Parameter(new Float64Array(1))], {
          steps: 2,
          k: 3,
        } as never),
      TypeError,
      /unknown option "k"\. Valid options: steps, reduction\./,
    ],
  ];
  for (const [name, build, error, message] of errors) {
    it(`rejects ${name}`, () => {
      expect(build).toThrow(error);
      expect(build).toThrow(message);
    });
  }

  it("rejects a gradient of the wrong length before adding any", () => {
    const a = new Parameter(new Float64Array(1), { name: "a" });
    const b = new Parameter(new Float64Array(2), { name: "b" });
    const acc = new GradientAccumulator([a, b], { steps: 2 });
    (a.grad as Float64Array)[0] = 5;
    b.grad = new Float64Array(3);
    expect(() => acc.accumulate()).toThrow(
      /GradientAccumulator\.accumulate: parameter "b": grad has length 3 but data has length 2/,
    );
    expect(acc.count).toBe(0);
    expect(acc.stateDict().sums).toEqual([null, null]);
  });
});
