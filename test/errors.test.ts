import { describe, expect, it } from "vitest";
import {
  Adam,
  Parameter,
  StateDictError,
  createOptimizer,
} from "../src/index.js";

interface ErrorCase {
  options: Record<string, unknown>;
  error: typeof TypeError | typeof RangeError;
  message: RegExp;
}

const COMMON: ErrorCase[] = [
  {
    options: { lr: -1 },
    error: RangeError,
    message: /lr must be a number >= 0, got -1\. Try lr: /,
  },
  {
    options: { lr: "0.1" },
    error: TypeError,
    message: /lr must be a number >= 0, got "0\.1"/,
  },
  {
    options: { lr: Number.NaN },
    error: RangeError,
    message: /lr must be a number >= 0, got NaN/,
  },
  {
    options: { lr: 0.1, weightDecay: -0.5 },
    error: RangeError,
    message: /weightDecay must be a number >= 0, got -0\.5/,
  },
  {
    options: { lr: 0.1, maximize: 1 },
    error: TypeError,
    message: /maximize must be true or false, got 1/,
  },
  {
    options: { lr: 0.1, learningRate: 0.1 },
    error: TypeError,
    message: /unknown option "learningRate"\. Use lr instead/,
  },
  {
    options: { lr: 0.1, bogus: 1 },
    error: TypeError,
    message: /unknown option "bogus"\. Valid options: lr, /,
  },
  {
    options: { lr: 0.1, constructor: 1 },
    error: TypeError,
    message: /unknown option "constructor"\. Valid options: lr, /,
  },
  {
    options: { lr: 0.1, toString: 1 },
    error: TypeError,
    message: /unknown option "toString"\. Valid options: lr, /,
  },
  {
    options: JSON.parse('{ "lr": 0.1, "__proto__": { "lr": 5 } }'),
    error: TypeError,
    message: /unknown option "__proto__"\. Valid options: lr, /,
  },
];

const BETAS: ErrorCase[] = [
  {
    options: { betas: [0.9, 1] },
    error: RangeError,
    message:
      /betas must be a pair \[beta1, beta2\] with each in \[0, 1\), got \[0\.9, 1\]/,
  },
  {
    options: { betas: 0.9 },
    error: TypeError,
    message: /betas must be a pair/,
  },
  {
    options: { betas: [, 0.999] },
    error: TypeError,
    message: /^\w+: betas must be a pair /,
  },
  {
    options: { eps: -1e-8 },
    error: RangeError,
    message: /eps must be a number >= 0/,
  },
  {
    options: { beta1: 0.9 },
    error: TypeError,
    message: /unknown option "beta1"\. Use betas instead/,
  },
];

const SPECIFIC: Record<string, ErrorCase[]> = {
  sgd: [
    { options: {}, error: TypeError, message: /SGD: option lr is required/ },
    {
      options: { lr: 0.1, momentum: -0.9 },
      error: RangeError,
      message: /momentum must be a number >= 0/,
    },
    {
      options: { lr: 0.1, nesterov: true },
      error: RangeError,
      message: /nesterov needs momentum > 0 and dampening 0/,
    },
    {
      options: { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true },
      error: RangeError,
      message:
        /nesterov needs momentum > 0 and dampening 0, got momentum 0\.9 and dampening 0\.1/,
    },
  ],
  adagrad: [
    {
      options: { lrDecay: -1 },
      error: RangeError,
      message: /lrDecay must be a number >= 0/,
    },
    {
      options: { initialAccumulatorValue: -0.1 },
      error: RangeError,
      message: /initialAccumulatorValue must be a number >= 0/,
    },
  ],
  adadelta: [
    {
      options: { rho: 1.5 },
      error: RangeError,
      message: /rho must be a number in \[0, 1\], got 1\.5/,
    },
    { options: { decay: 0.9 }, error: TypeError, message: /Use rho instead/ },
  ],
  rmsprop: [
    {
      options: { alpha: -0.1 },
      error: RangeError,
      message: /alpha must be a number in \[0, 1\]/,
    },
    {
      options: { momentum: -1 },
      error: RangeError,
      message: /momentum must be a number >= 0/,
    },
    {
      options: { centered: "yes" },
      error: TypeError,
      message: /centered must be true or false/,
    },
  ],
  adam: [
    ...BETAS,
    {
      options: { amsgrad: 1 },
      error: TypeError,
      message: /amsgrad must be true or false/,
    },
  ],
  adamw: BETAS,
  adamax: BETAS,
  nadam: [
    ...BETAS,
    {
      options: { momentumDecay: -0.004 },
      error: RangeError,
      message: /momentumDecay must be a number >= 0/,
    },
  ],
  radam: BETAS,
  adabound: [
    ...BETAS,
    {
      options: { finalLr: -0.1 },
      error: RangeError,
      message:
        /AdaBound: finalLr must be a number > 0, got -0\.1\. Try finalLr: 0\.1\./,
    },
    {
      options: { gamma: 0 },
      error: RangeError,
      message: /gamma must be a number in \(0, 1\), got 0/,
    },
    {
      options: { lr: 0 },
      error: RangeError,
      message: /lr must be > 0 when the optimizer is built/,
    },
  ],
  amsbound: [
    {
      options: { gamma: 1 },
      error: RangeError,
      message: /AMSBound: gamma must be a number in \(0, 1\)/,
    },
  ],
  adaboundw: [
    {
      options: { finalLr: 0 },
      error: RangeError,
      message: /AdaBoundW: finalLr must be a number > 0/,
    },
  ],
};

for (const [name, cases] of Object.entries(SPECIFIC)) {
  describe(`${name} errors`, () => {
    const all = [...COMMON, ...cases];
    for (const c of all) {
      it(`rejects ${JSON.stringify(c.options)}`, () => {
        const w = new Parameter(new Float64Array([1, 2]));
        const options =
          name === "sgd" || "lr" in c.options
            ? c.options
            : { lr: 0.01, ...c.options };
        let thrown: unknown;
        try {
          createOptimizer(name, [w], options);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(c.error);
        expect((thrown as Error).message).toMatch(c.message);
      });
    }

    it("rejects a bad lr set between steps before changing anything", () => {
      const w = new Parameter(new Float64Array([1, 2]));
      const opt = createOptimizer(name, [w], { lr: 0.01 });
      opt.paramGroups[0].lr = -0.01;
      w.grad?.fill(1);
      expect(() => opt.step()).toThrow(
        /group 0: lr must be a number >= 0, got -0\.01/,
      );
      expect(Array.from(w.data)).toEqual([1, 2]);
    });
  });
}

describe("construction errors", () => {
  it("rejects an unknown algorithm and lists the valid names", () => {
    expect(() =>
      createOptimizer("adamm", [new Parameter(new Float64Array(1))]),
    ).toThrow(
      /unknown algorithm "adamm"\. Valid names: sgd, momentum, nesterov, adagrad/,
    );
  });

  it("rejects a parameter listed twice", () => {
    const w = new Parameter(new Float64Array(2));
    expect(() => createOptimizer("adam", [w, w])).toThrow(
      /params\[1\] is listed twice/,
    );
  });

  it("rejects a parameter listed in two groups", () => {
    const w = new Parameter(new Float64Array(2));
    expect(() =>
      createOptimizer("adam", [{ params: [w] }, { params: [w] }]),
    ).toThrow(/listed twice/);
  });

  it("rejects a parameter group that is not an object", () => {
    const opt = createOptimizer("adam", [new Parameter(new Float64Array(2))]);
    for (const group of [null, 5]) {
      expect(() => opt.addParamGroup(group as never)).toThrow(
        /^Adam group 1: a parameter group must be an object \{ params, \.\.\.options \}, got /,
      );
    }
    expect(opt.paramGroups).toHaveLength(1);
  });

  it("rejects an empty parameter list", () => {
    expect(() => createOptimizer("adam", [])).toThrow(
      /params must be a non-empty array/,
    );
  });

  it("rejects a plain array in place of a Parameter", () => {
    expect(() =>
      createOptimizer("adam", [new Float32Array(3) as never]),
    ).toThrow(/params\[0\] must be a Parameter/);
  });

  it("rejects a grad of another element type", () => {
    expect(
      () => new Parameter(new Float32Array(2), { grad: new Float64Array(2) }),
    ).toThrow(/grad is a Float64Array but data is a Float32Array/);
  });

  it("rejects a shape that does not match the data", () => {
    expect(() => new Parameter(new Float32Array(6), { shape: [2, 2] })).toThrow(
      /shape \[2, 2\] must hold exactly data\.length = 6/,
    );
  });

  it("rejects options that are not an object", () => {
    const w = new Parameter(new Float64Array(2));
    for (const options of [null, "lr", [0.1]]) {
      expect(() => createOptimizer("adam", [w], options as never)).toThrow(
        /^createOptimizer\("adam"\): options must be an object such as \{ lr: 0\.001 \}, got /,
      );
      expect(() => new Adam([w], options as never)).toThrow(
        /^Adam: options must be an object such as \{ lr: 0\.001 \}, got /,
      );
    }
  });

  it("rejects Parameter options that are not an object", () => {
    expect(() => new Parameter(new Float32Array(2), null as never)).toThrow(
      /Parameter: options must be an object .*, got null/,
    );
  });

  it("rejects a length beyond what a typed array can hold", () => {
    expect(() => Parameter.allocate(2 ** 40)).toThrow(RangeError);
    expect(() => Parameter.allocate(2 ** 40)).toThrow(
      /^Parameter\.allocate: cannot allocate 1099511627776 float32 elements \(4398046511104 bytes\): .*\. Split the values into smaller parameters\.$/,
    );
  });

  it("rejects a shape that is not an array of sizes", () => {
    const data = new Float32Array(2);
    expect(() => new Parameter(data, { shape: "2" as never })).toThrow(
      TypeError,
    );
    expect(() => new Parameter(data, { shape: "2" as never })).toThrow(
      /Parameter: shape must be an array of integers >= 0, got "2"/,
    );
    expect(() => new Parameter(data, { shape: [-1, -2] })).toThrow(RangeError);
    expect(() => new Parameter(data, { shape: [-1, -2] })).toThrow(
      /Parameter: shape must be an array of integers >= 0, got \[-1, -2\]/,
    );
    expect(() => new Parameter(data, { shape: ["2"] as never })).toThrow(
      /Parameter: shape must be an array of integers >= 0, got \["2"\]/,
    );
  });

  it("rejects a grad swapped for another type between steps", () => {
    const w = new Parameter(new Float32Array([1, 2]));
    const opt = createOptimizer("adam", [w]);
    w.grad = new Float64Array(2);
    expect(() => opt.step()).toThrow(TypeError);
    expect(Array.from(w.data)).toEqual([1, 2]);
  });
});

describe("step errors", () => {
  function stepped(name = "adam") {
    const w = new Parameter(new Float32Array([1, 2]), { name: "w" });
    const opt = createOptimizer(name, [w], { lr: 0.1 });
    w.grad?.fill(1);
    opt.step();
    return { w, opt, before: JSON.stringify(opt.stateDict()) };
  }

  it("rejects data swapped for another element type", () => {
    const { w, opt, before } = stepped();
    w.data = new Float64Array([1, 2]);
    w.grad = new Float64Array([1, 1]);
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /parameter "w" now holds Float64Array data but its state buffer "m" is a Float32Array/,
    );
    expect(Array.from(w.data)).toEqual([1, 2]);
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });

  it("rejects data that is not a float array", () => {
    const { w, opt, before } = stepped();
    w.data = [1, 2] as never;
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /parameter "w": data must be a Float32Array or Float64Array, got \[1, 2\]/,
    );
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });

  it("rejects a non-Parameter pushed into a group", () => {
    const { w, opt, before } = stepped();
    const data = Array.from(w.data);
    opt.paramGroups[0].params.push(new Float32Array(2) as never);
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /group 0: params\[1\] must be a Parameter, got Float32Array\(2\)/,
    );
    expect(Array.from(w.data)).toEqual(data);
    opt.paramGroups[0].params.pop();
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });

  it("rejects a parameter pushed into a group twice", () => {
    const { w, opt, before } = stepped();
    const data = Array.from(w.data);
    opt.paramGroups[0].params.push(w);
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /group 0: params\[1\] \("w"\) is listed twice/,
    );
    expect(Array.from(w.data)).toEqual(data);
    opt.paramGroups[0].params.pop();
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });

  it("rejects group params replaced by a non-array", () => {
    const { w, opt } = stepped();
    const data = Array.from(w.data);
    (opt.paramGroups[0] as { params: unknown }).params = null;
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /group 0: params must be an array of Parameter, got null/,
    );
    expect(Array.from(w.data)).toEqual(data);
  });

  it("rejects nadam state edited to lack muProduct", () => {
    const { w, opt, before } = stepped("nadam");
    const data = Array.from(w.data);
    delete opt.state.get(w)!.scalars.muProduct;
    w.grad?.fill(1);
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /NAdam\.step: parameter "w" has taken 1 step but its scalar "muProduct" is missing, and every later NAdam step reads it as a number in \[0, 1\)\. Restore the state with loadStateDict\(\)/,
    );
    expect(Array.from(w.data)).toEqual(data);
    opt.state.get(w)!.scalars.muProduct =
      JSON.parse(before).state["0"].scalars.muProduct;
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });

  it("rejects an infinite nadam muProduct", () => {
    const { w, opt } = stepped("nadam");
    const data = Array.from(w.data);
    opt.state.get(w)!.scalars.muProduct = Number.POSITIVE_INFINITY;
    expect(() => opt.step()).toThrow(/its scalar "muProduct" is Infinity/);
    expect(Array.from(w.data)).toEqual(data);
  });

  // μ of step 2 with the default betas and momentumDecay: at P = 1/μ, the
  // update would divide by 1 − P·μ = 0.
  const mu2 = 0.9 * (1 - 0.5 * 0.96 ** (2 * 4e-3));
  const products: Array<[string, number]> = [
    ["1", 1],
    ["1/μ", 1 / mu2],
    ["-0.25", -0.25],
  ];
  for (const [label, muProduct] of products) {
    it(`rejects a nadam muProduct of ${label} set between steps`, () => {
      const { w, opt } = stepped("nadam");
      const data = Array.from(w.data);
      opt.state.get(w)!.scalars.muProduct = muProduct;
      w.grad?.fill(1);
      expect(() => opt.step()).toThrow(RangeError);
      expect(() => opt.step()).toThrow(
        new RegExp(
          `parameter "w" has taken 1 step but its scalar "muProduct" is ${String(muProduct).replace(".", "\\.")}, ` +
            `and every later NAdam step reads it as a number in \\[0, 1\\)\\.`,
        ),
      );
      expect(Array.from(w.data)).toEqual(data);
      expect(opt.state.get(w)!.step).toBe(1);
    });
  }

  it("rejects an adabound group edited to lack lrAtConstruction", () => {
    const { w, opt } = stepped("adabound");
    const data = Array.from(w.data);
    delete opt.paramGroups[0].lrAtConstruction;
    expect(() => opt.step()).toThrow(TypeError);
    expect(() => opt.step()).toThrow(
      /AdaBound group 0: lrAtConstruction is missing, but every AdaBound step reads it as a finite number, which addParamGroup\(\) records\./,
    );
    expect(Array.from(w.data)).toEqual(data);
  });
});

describe("state dict errors", () => {
  function trained(name = "adam") {
    const w = new Parameter(new Float32Array([1, 2]));
    const opt = createOptimizer(name, [w], { lr: 0.1 });
    w.grad?.fill(1);
    opt.step();
    return opt;
  }

  it("rejects another format version", () => {
    const saved = { ...trained().stateDict(), version: 2 };
    expect(() => trained().loadStateDict(saved as never)).toThrow(
      /expected format "descent-optimizer" version 1, got "descent-optimizer" version 2/,
    );
  });

  it("rejects another element type", () => {
    const w = new Parameter(new Float64Array([1, 2]));
    const opt = createOptimizer("adam", [w], { lr: 0.1 });
    expect(() => opt.loadStateDict(trained().stateDict())).toThrow(
      /float32\[2\] but parameter 0 is float64\[2\]/,
    );
  });

  it("rejects a truncated buffer", () => {
    const saved = trained().stateDict();
    saved.state["0"].buffers.m.base64 = saved.state["0"].buffers.m.base64.slice(
      0,
      4,
    );
    expect(() => trained().loadStateDict(saved)).toThrow(StateDictError);
  });

  it("rejects another group count", () => {
    const a = new Parameter(new Float32Array([1, 2]));
    const b = new Parameter(new Float32Array([1, 2]));
    const opt = createOptimizer("adam", [{ params: [a] }, { params: [b] }]);
    expect(() => opt.loadStateDict(trained().stateDict())).toThrow(
      /has 1 parameter groups but this optimizer has 2/,
    );
  });

  const stateful = ["adagrad", "adadelta", "rmsprop", "adam", "adamw"];
  stateful.push(
    "adamax",
    "nadam",
    "radam",
    "adabound",
    "amsbound",
    "adaboundw",
  );
  for (const name of stateful) {
    it(`rejects ${name} state without a buffer every step reads`, () => {
      const opt = trained(name);
      const before = JSON.stringify(opt.stateDict());
      const saved = trained(name).stateDict();
      const [first] = Object.keys(saved.state["0"].buffers);
      delete saved.state["0"].buffers[first];
      expect(() => opt.loadStateDict(saved)).toThrow(StateDictError);
      expect(() => opt.loadStateDict(saved)).toThrow(
        new RegExp(`state 0 lacks the buffer ${first}, which `),
      );
      expect(JSON.stringify(opt.stateDict())).toBe(before);
    });
  }

  it("accepts state without a buffer the step creates", () => {
    const saved = trained("amsgrad").stateDict();
    delete saved.state["0"].buffers.vMax;
    const opt = trained("amsgrad");
    opt.loadStateDict(saved);
    expect(Object.keys(opt.state.values().next().value!.buffers)).toEqual([
      "m",
      "v",
    ]);
  });

  const mangled: Array<
    [string, (saved: Record<string, unknown>) => void, RegExp]
  > = [
    ["state null", (saved) => (saved.state = null), /state must be an object/],
    ["state missing", (saved) => delete saved.state, /state must be an object/],
    [
      "a state key that is not an index",
      (saved) => {
        const state = saved.state as Record<string, unknown>;
        state["1e0"] = state["0"];
        delete state["0"];
      },
      /state key "1e0" is not a parameter index/,
    ],
    [
      "a NaN scalar",
      (saved) => {
        const state = saved.state as Record<string, { scalars: object }>;
        state["0"].scalars = { muProduct: Number.NaN };
      },
      /state 0 scalar "muProduct" is NaN, not a finite number/,
    ],
    [
      "state without muProduct",
      (saved) => {
        const state = saved.state as Record<string, { scalars: object }>;
        state["0"].scalars = {};
      },
      /state 0 \(parameter 0 of group 0\) has taken 1 step but is missing the scalar "muProduct", which every later NAdam step reads\. The saved state is incomplete; save it again with stateDict\(\)$/,
    ],
    [
      "an infinite muProduct",
      (saved) => {
        const state = saved.state as Record<string, { scalars: object }>;
        state["0"].scalars = { muProduct: Number.POSITIVE_INFINITY };
      },
      /state 0 scalar "muProduct" is Infinity, not a finite number/,
    ],
    [
      "a scalar NAdam does not keep",
      (saved) => {
        const state = saved.state as Record<string, { scalars: object }>;
        state["0"].scalars = { muProduct: 0.45, muproduct: 0.45 };
      },
      /state 0 has a scalar "muproduct", which NAdam does not keep \(it keeps muProduct\)\. Load a state dict saved by the same algorithm$/,
    ],
    [
      "negative skippedSteps",
      (saved) => (saved.skippedSteps = -5),
      /skippedSteps must be an integer in \[0, 9007199254740991\], got -5/,
    ],
    [
      "a string skippedSteps",
      (saved) => (saved.skippedSteps = "2"),
      /skippedSteps must be an integer in \[0, 9007199254740991\], got "2"/,
    ],
    [
      "skippedSteps beyond 2^53 - 1",
      (saved) => (saved.skippedSteps = 2 ** 53),
      /skippedSteps must be an integer in \[0, 9007199254740991\], got 9007199254740992\. Pass what stateDict\(\) returned$/,
    ],
    [
      "a step count of 1e300",
      (saved) => {
        const state = saved.state as Record<string, { step: number }>;
        state["0"].step = 1e300;
      },
      /state 0 has step 1e\+300, not an integer in \[0, 9007199254740991\]\. Pass what stateDict\(\) returned$/,
    ],
    [
      "a muProduct of 1",
      (saved) => {
        const state = saved.state as Record<string, { scalars: object }>;
        state["0"].scalars = { muProduct: 1 };
      },
      /state 0 \(parameter 0 of group 0\) has taken 1 step but its scalar "muProduct" is 1, and every later NAdam step reads it as a number in \[0, 1\)\. The saved state is altered or was converted wrongly; save it again with stateDict\(\)$/,
    ],
    [
      "a negative muProduct",
      (saved) => {
        const state = saved.state as Record<string, { scalars: object }>;
        state["0"].scalars = { muProduct: -0.5 };
      },
      /its scalar "muProduct" is -0\.5, and every later NAdam step reads it as a number in \[0, 1\)/,
    ],
    [
      "a group with a __proto__ key",
      (saved) => {
        const groups = saved.paramGroups as Array<Record<string, unknown>>;
        groups[0] = JSON.parse(
          JSON.stringify(groups[0]).replace("{", '{"__proto__":{"x":1},'),
        );
      },
      /group 0 has the key "__proto__"/,
    ],
    [
      "paramGroups that is not an array",
      (saved) => (saved.paramGroups = { 0: {}, length: 1 }),
      /paramGroups must be an array of 1 group, got an object/,
    ],
  ];
  for (const [label, mangle, message] of mangled) {
    it(`rejects ${label} and keeps the current state`, () => {
      const opt = trained("nadam");
      opt.skippedSteps = 1;
      const before = JSON.stringify(opt.stateDict());
      const saved = JSON.parse(JSON.stringify(trained("nadam").stateDict()));
      mangle(saved);
      expect(() => opt.loadStateDict(saved)).toThrow(StateDictError);
      expect(() => opt.loadStateDict(saved)).toThrow(message);
      expect(JSON.stringify(opt.stateDict())).toBe(before);
      expect(Object.getPrototypeOf(opt.paramGroups[0])).toBe(Object.prototype);
    });
  }

  it("accepts nadam state of step 0 without muProduct", () => {
    const w = new Parameter(new Float64Array([1, 2]));
    const fresh = new Parameter(new Float64Array([1, 2]));
    const opt = createOptimizer("nadam", [w], { lr: 0.1 });
    const reference = createOptimizer("nadam", [fresh], { lr: 0.1 });
    const m = { dtype: "float64", length: 2, base64: "A".repeat(24) };
    opt.loadStateDict({
      ...reference.stateDict(),
      state: { "0": { step: 0, scalars: {}, buffers: { m, v: m } } },
    } as never);
    for (const p of [w, fresh]) p.grad?.fill(1);
    opt.step();
    reference.step();
    expect(Array.from(w.data)).toEqual(Array.from(fresh.data));
  });

  it("accepts a muProduct of 0 from beta1 = 0", () => {
    const w = new Parameter(new Float64Array([1, 2]));
    const opt = createOptimizer("nadam", [w], { lr: 0.1, betas: [0, 0.999] });
    w.grad?.fill(1);
    opt.step();
    const saved = opt.stateDict();
    expect(saved.state["0"].scalars.muProduct).toBe(0);
    const other = new Parameter(Float64Array.from(w.data));
    const resumed = createOptimizer("nadam", [other], {
      lr: 0.1,
      betas: [0, 0.999],
    });
    resumed.loadStateDict(saved);
    for (const p of [w, other]) p.grad?.fill(1);
    opt.step();
    resumed.step();
    expect(Array.from(other.data)).toEqual(Array.from(w.data));
  });

  it("accepts PyTorch's muProduct of 1 before the first step", () => {
    const w = new Parameter(new Float64Array([1, 2]));
    const fresh = new Parameter(new Float64Array([1, 2]));
    const opt = createOptimizer("nadam", [w], { lr: 0.1 });
    const reference = createOptimizer("nadam", [fresh], { lr: 0.1 });
    const zeros = { dtype: "float64", length: 2, base64: "A".repeat(24) };
    opt.loadStateDict({
      ...reference.stateDict(),
      state: {
        "0": {
          step: 0,
          scalars: { muProduct: 1 },
          buffers: { m: zeros, v: zeros },
        },
      },
    } as never);
    for (const p of [w, fresh]) p.grad?.fill(1);
    opt.step();
    reference.step();
    expect(Array.from(w.data)).toEqual(Array.from(fresh.data));
  });

  it("names the group of state without muProduct", () => {
    const a = new Parameter(new Float32Array([1]));
    const b = new Parameter(new Float32Array([1, 2]), { name: "bias" });
    const opt = createOptimizer("nadam", [{ params: [a] }, { params: [b] }]);
    for (const p of [a, b]) p.grad?.fill(1);
    opt.step();
    const saved = opt.stateDict();
    saved.state["1"].scalars = {};
    expect(() => opt.loadStateDict(saved)).toThrow(
      /state 1 \(parameter 0 of group 1, named "bias"\) has taken 1 step but is missing the scalar "muProduct"/,
    );
  });

  for (const name of ["adabound", "amsbound", "adaboundw"]) {
    it(`rejects ${name} groups without lrAtConstruction`, () => {
      const opt = trained(name);
      const before = JSON.stringify(opt.stateDict());
      const saved = trained(name).stateDict();
      delete saved.paramGroups[0].lrAtConstruction;
      expect(() => opt.loadStateDict(saved)).toThrow(StateDictError);
      expect(() => opt.loadStateDict(saved)).toThrow(
        /group 0: lrAtConstruction is missing, but \w+ records a finite number there when a group is added and reads it at every step\. The saved state is incomplete or altered; save it again with stateDict\(\)$/,
      );
      saved.paramGroups[0].lrAtConstruction = null;
      expect(() => opt.loadStateDict(saved)).toThrow(
        /group 0: lrAtConstruction is null, but/,
      );
      expect(JSON.stringify(opt.stateDict())).toBe(before);
    });
  }

  it("reports an invalid saved option in one sentence", () => {
    const saved = trained().stateDict();
    saved.paramGroups[0].lr = -1;
    expect(() => trained().loadStateDict(saved)).toThrow(
      /group 0 holds an invalid option: lr must be a number >= 0, got -1\. Try lr: 0\.001\. Save the state again$/,
    );
  });

  it("rejects an invalid saved option and keeps the current state", () => {
    const opt = trained();
    const before = JSON.stringify(opt.stateDict());
    const saved = trained().stateDict();
    saved.paramGroups[0].lr = -1;
    expect(() => opt.loadStateDict(saved)).toThrow(
      /group 0 holds an invalid option/,
    );
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });
});
