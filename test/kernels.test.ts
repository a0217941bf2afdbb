import { afterEach, describe, expect, it } from "vitest";
import {
  Parameter,
  createOptimizer,
  getKernelBackend,
  setKernelBackend,
  type FloatArray,
  type Optimizer,
} from "../src/index.js";
import { loadFloat32Kernels } from "../src/core/wasm/runtime.js";

/**
 * The WebAssembly kernels against the TypeScript reference loops, on
 * variants the reference vectors leave out, and the memory handling around
 * them: parameters inside and outside descent's memory, growth of that
 * memory, state dicts, non-finite gradients and disposal.
 */

/** Same bound as the float32 golden tests: relative to max(1, |reference|). */
const TOLERANCE = 1e-5;
/** Longer than two of the 16384-element pieces that arrays outside the memory are copied in, and not a multiple of 4. */
const LONG = 2 * 16384 + 4099;

interface Variant {
  name: string;
  algorithm: string;
  options: Record<string, unknown>;
}

const VARIANTS: Variant[] = [
  {
    name: "sgd with decay, maximizing",
    algorithm: "sgd",
    options: { lr: 0.05, weightDecay: 0.1, maximize: true },
  },
  {
    name: "sgd with dampened momentum",
    algorithm: "sgd",
    options: { lr: 0.02, momentum: 0.9, dampening: 0.2 },
  },
  {
    name: "sgd with Nesterov momentum",
    algorithm: "sgd",
    options: { lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  },
  {
    name: "adagrad",
    algorithm: "adagrad",
    options: {
      lr: 0.1,
      lrDecay: 0.01,
      initialAccumulatorValue: 0.1,
      weightDecay: 0.01,
    },
  },
  {
    name: "adadelta",
    algorithm: "adadelta",
    options: { weightDecay: 0.01, maximize: true },
  },
  {
    name: "rmsprop",
    algorithm: "rmsprop",
    options: { lr: 0.01, weightDecay: 0.01 },
  },
  {
    name: "rmsprop centered",
    algorithm: "rmsprop",
    options: { lr: 0.01, centered: true },
  },
  {
    name: "rmsprop with momentum",
    algorithm: "rmsprop",
    options: { lr: 0.01, momentum: 0.9 },
  },
  {
    name: "rmsprop centered with momentum",
    algorithm: "rmsprop",
    options: { lr: 0.01, centered: true, momentum: 0.5, maximize: true },
  },
  {
    name: "adam with decay",
    algorithm: "adam",
    options: { lr: 0.01, weightDecay: 0.01 },
  },
  { name: "amsgrad", algorithm: "amsgrad", options: { lr: 0.01 } },
  {
    name: "adamw with amsgrad",
    algorithm: "adamw",
    options: { lr: 0.01, weightDecay: 0.1, amsgrad: true },
  },
  {
    name: "adamax",
    algorithm: "adamax",
    options: { lr: 0.01, weightDecay: 0.01, maximize: true },
  },
  {
    name: "nadam",
    algorithm: "nadam",
    options: { lr: 0.01, weightDecay: 0.01 },
  },
  {
    name: "nadam with decoupled decay",
    algorithm: "nadam",
    options: { lr: 0.01, weightDecay: 0.1, decoupledWeightDecay: true },
  },
  {
    name: "radam",
    algorithm: "radam",
    options: { lr: 0.01, weightDecay: 0.01 },
  },
  {
    name: "radam with decoupled decay",
    algorithm: "radam",
    options: { lr: 0.01, weightDecay: 0.1, decoupledWeightDecay: true },
  },
  {
    name: "adabound",
    algorithm: "adabound",
    options: { lr: 0.01, finalLr: 0.05, gamma: 0.05, weightDecay: 0.01 },
  },
  {
    name: "amsbound",
    algorithm: "amsbound",
    options: { lr: 0.01, finalLr: 0.05, gamma: 0.05 },
  },
  {
    name: "adaboundw with amsbound",
    algorithm: "adaboundw",
    options: { lr: 0.01, weightDecay: 0.01, amsbound: true },
  },
];

/** Uniform numbers in [-1, 1) from a linear congruential generator, the same on every run. */
function uniform(seed: number, length: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 32) * 2 - 1;
  }
  return values;
}

const LENGTHS = [1, 6, 37, LONG];
const STEPS = 10;

/** Builds parameters of LENGTHS elements, in descent's memory or as ordinary arrays. */
function makeParams(allocated: boolean): Parameter[] {
  return LENGTHS.map((length, i) => {
    const param = allocated
      ? Parameter.allocate(length)
      : new Parameter(new Float32Array(length));
    param.data.set(uniform(100 + i, length));
    return param;
  });
}

/** Runs STEPS steps with gradients that change every step. */
function run(
  opt: Optimizer,
  params: Parameter[],
  from = 0,
  steps = STEPS,
): void {
  for (let k = from; k < from + steps; k++) {
    params.forEach((param, i) =>
      (param.grad as FloatArray).set(uniform(1000 * k + i, param.data.length)),
    );
    opt.step();
  }
}

/** Wraps arrays as parameters, for {@link worstError}. */
function wrap(arrays: Float32Array[]): Parameter[] {
  return arrays.map((array) => new Parameter(array));
}

function worstError(actual: Parameter[], expected: Parameter[]): number {
  let worst = 0;
  actual.forEach((param, i) => {
    const reference = expected[i].data;
    for (let j = 0; j < param.data.length; j++) {
      const error =
        Math.abs(param.data[j] - reference[j]) /
        Math.max(1, Math.abs(reference[j]));
      worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
    }
  });
  return worst;
}

function withBackend<T>(backend: "js" | "wasm", body: () => T): T {
  setKernelBackend(backend);
  try {
    return body();
  } finally {
    setKernelBackend("auto");
  }
}

afterEach(() => setKernelBackend("auto"));

describe("wasm kernels", () => {
  it("are the default backend in Node", () => {
    expect(getKernelBackend()).toBe("wasm");
  });

  it("compute in single precision, unlike the reference loop", () => {
    // The loops round only when storing; the kernels round every operation,
    // so identical results would mean the kernel never ran.
    const reference = makeParams(false);
    withBackend("js", () =>
      run(createOptimizer("adam", reference, { lr: 0.01 }), reference),
    );
    const actual = makeParams(false);
    withBackend("wasm", () =>
      run(createOptimizer("adam", actual, { lr: 0.01 }), actual),
    );
    expect(worstError(actual, reference)).toBeGreaterThan(0);
  });

  for (const variant of VARIANTS) {
    it(`${variant.name} agrees with the reference loop`, () => {
      const reference = makeParams(false);
      withBackend("js", () =>
        run(
          createOptimizer(variant.algorithm, reference, variant.options),
          reference,
        ),
      );
      const actual = makeParams(false);
      withBackend("wasm", () =>
        run(
          createOptimizer(variant.algorithm, actual, variant.options),
          actual,
        ),
      );
      expect(worstError(actual, reference)).toBeLessThanOrEqual(TOLERANCE);
    });

    it(`${variant.name} gives the same bits in and out of descent's memory`, () => {
      const outside = makeParams(false);
      const inside = makeParams(true);
      run(
        createOptimizer(variant.algorithm, outside, variant.options),
        outside,
      );
      const opt = createOptimizer(variant.algorithm, inside, variant.options);
      run(opt, inside);
      inside.forEach((param, i) => expect(param.data).toEqual(outside[i].data));
      opt.dispose();
      inside.forEach((param) => param.dispose());
    });
  }
});

describe("state in descent's memory", () => {
  it("survives the memory growing between steps", () => {
    const params = makeParams(true);
    const reference = makeParams(false);
    const opt = createOptimizer("adam", params, { lr: 0.01 });
    const expected = createOptimizer("adam", reference, { lr: 0.01 });
    run(opt, params, 0, 3);
    run(expected, reference, 0, 3);
    const heldView = params[3].data;
    const filler = Parameter.allocate(8 * 1024 * 1024);
    expect(heldView.length).toBe(0);
    run(opt, params, 3, 3);
    run(expected, reference, 3, 3);
    params.forEach((param, i) => expect(param.data).toEqual(reference[i].data));
    filler.dispose();
  });

  it("round-trips through a state dict bit for bit", () => {
    const params = makeParams(true);
    const opt = createOptimizer("amsbound", params, { lr: 0.01 });
    run(opt, params, 0, 4);
    const saved = opt.stateDict();

    const copies = params.map((param) => {
      const copy = new Parameter(new Float32Array(param.data.length));
      copy.data.set(param.data);
      return copy;
    });
    const loaded = createOptimizer("amsbound", copies, { lr: 0.01 });
    loaded.loadStateDict(JSON.parse(JSON.stringify(saved)));
    expect(loaded.stateDict()).toEqual(saved);

    run(opt, params, 4, 3);
    run(loaded, copies, 4, 3);
    copies.forEach((copy, i) => expect(copy.data).toEqual(params[i].data));
    expect(loaded.stateDict()).toEqual(opt.stateDict());
  });

  it("continues unchanged after dispose", () => {
    const params = makeParams(false);
    const reference = makeParams(false);
    const opt = createOptimizer("rmsprop", params, {
      lr: 0.01,
      centered: true,
      momentum: 0.9,
    });
    const expected = createOptimizer("rmsprop", reference, {
      lr: 0.01,
      centered: true,
      momentum: 0.9,
    });
    run(opt, params, 0, 3);
    run(expected, reference, 0, 3);
    opt.dispose();
    const buffers = opt.state.get(params[0])?.buffers ?? {};
    expect(Object.keys(buffers).sort()).toEqual([
      "gradAvg",
      "momentumBuffer",
      "v",
    ]);
    run(opt, params, 3, 3);
    run(expected, reference, 3, 3);
    params.forEach((param, i) => expect(param.data).toEqual(reference[i].data));
  });

  it("switches between backends mid-run", () => {
    const params = makeParams(false);
    const reference = makeParams(false);
    const opt = createOptimizer("nadam", params, { lr: 0.01 });
    const expected = createOptimizer("nadam", reference, { lr: 0.01 });
    withBackend("wasm", () => run(opt, params, 0, 3));
    withBackend("js", () => run(opt, params, 3, 3));
    withBackend("wasm", () => run(opt, params, 6, 3));
    withBackend("js", () => run(expected, reference, 0, 9));
    expect(worstError(params, reference)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe("non-finite gradients with wasm kernels", () => {
  for (const allocated of [false, true]) {
    const where = allocated ? "in descent's memory" : "in an ordinary array";
    for (const index of [0, 16383, 16384, 20000, LONG - 1]) {
      it(`reject a NaN at ${index} ${where} before any change`, () => {
        const params = makeParams(allocated);
        const opt = createOptimizer("adam", params, { lr: 0.01 });
        run(opt, params, 0, 2);
        const before = params.map((param) => param.data.slice());
        const saved = JSON.stringify(opt.stateDict());
        params.forEach((param, i) =>
          (param.grad as FloatArray).set(uniform(7 + i, param.data.length)),
        );
        (params[3].grad as FloatArray)[index] = Number.NaN;
        expect(() => opt.step()).toThrow(`holds NaN at index ${index}`);
        params.forEach((param, i) => expect(param.data).toEqual(before[i]));
        expect(JSON.stringify(opt.stateDict())).toBe(saved);
      });
    }
  }

  it("report the first of two NaNs", () => {
    // The screen reads both halves side by side, so it meets index 20000 (second half) before 5000.
    const param = Parameter.allocate(LONG);
    const opt = createOptimizer("adam", [param], { lr: 0.01 });
    (param.grad as FloatArray)[20000] = Number.NaN;
    (param.grad as FloatArray)[5000] = Number.NaN;
    expect(() => opt.step()).toThrow("holds NaN at index 5000");
    param.dispose();
  });

  it("find an Infinity in the last partial block", () => {
    const param = new Parameter(new Float32Array(21));
    const opt = createOptimizer("sgd", [param], {
      lr: 0.1,
      skipNonFinite: true,
      onWarning: () => {},
    });
    (param.grad as FloatArray)[20] = -Infinity;
    opt.step();
    expect(opt.skippedSteps).toBe(1);
  });
});

describe("gradients in ordinary arrays", () => {
  /** Steps with a new gradient array per parameter each time, a rejected NaN step among them. */
  function runWithNewArrays(opt: Optimizer, params: Parameter[]): void {
    for (let k = 0; k < 6; k++) {
      params.forEach((param, i) => {
        param.grad = uniform(500 * k + i, param.data.length);
      });
      if (k === 3) {
        (params[2].grad as FloatArray)[5] = Number.NaN;
        expect(() => opt.step()).toThrow("holds NaN at index 5");
        continue;
      }
      opt.step();
    }
  }

  it("are copied afresh at every step", () => {
    const expected = makeParams(false);
    withBackend("js", () =>
      runWithNewArrays(
        createOptimizer("adam", expected, { lr: 0.01 }),
        expected,
      ),
    );
    const params = makeParams(false);
    const opt = createOptimizer("adam", params, { lr: 0.01 });
    runWithNewArrays(opt, params);
    expect(worstError(params, expected)).toBeLessThanOrEqual(TOLERANCE);
    opt.dispose();
  });

  it("reuse the staging memory of earlier steps", () => {
    const kernels = loadFloat32Kernels()!;
    const params = makeParams(false);
    const opt = createOptimizer("adam", params, { lr: 0.01 });
    run(opt, params, 0, 2);
    const bytes = kernels.arena.buffer.byteLength;
    runWithNewArrays(opt, params);
    expect(kernels.arena.buffer.byteLength).toBe(bytes);
    opt.dispose();
  });

  it("are not staged outside a step", () => {
    const kernels = loadFloat32Kernels()!;
    const params = makeParams(false);
    const opt = createOptimizer("sgd", params, { lr: 0.5 });
    // After a step on ordinary arrays the staging block exists.
    run(opt, params, 0, 1);
    const theta = new Float32Array(8);
    const grad = new Float32Array(8).fill(1);
    expect(kernels.firstNonFinite(grad)).toBe(-1);
    grad.fill(2);
    // Plain SGD coefficients: lr, sign, weight decay.
    kernels.run("sgd", [0.5, 1, 0], theta, grad, {});
    expect(theta).toEqual(new Float32Array(8).fill(-1));
    opt.dispose();
  });
});

describe("gradients that overlap parameter data", () => {
  /** Parameters whose gradients `setGrads` writes before step `k`. */
  interface Aliased {
    params: Parameter[];
    setGrads(k: number): void;
  }

  /** Runs four steps of `algorithm` on `backend` and returns the parameters' data. */
  function stepAliased(
    backend: "js" | "wasm",
    algorithm: string,
    build: () => Aliased,
  ): Float32Array[] {
    return withBackend(backend, () => {
      const { params, setGrads } = build();
      const opt = createOptimizer(algorithm, params, { lr: 0.01 });
      for (let k = 0; k < 4; k++) {
        setGrads(k);
        opt.step();
      }
      const data = params.map((param) => param.data.slice() as Float32Array);
      opt.dispose();
      params.forEach((param) => param.dispose());
      return data;
    });
  }

  /** Builds two parameters, the second with the first one's data as its gradient. */
  function gradIsEarlierData(): Aliased {
    const first = new Parameter(uniform(1, LONG));
    const second = new Parameter(uniform(2, LONG), { grad: first.data });
    return {
      params: [first, second],
      setGrads: (k) => (first.grad as FloatArray).set(uniform(100 + k, LONG)),
    };
  }

  /**
   * Builds two parameters that share one buffer with the first gradient.
   * The second gradient straddles the first parameter's data and gradient.
   */
  function gradStraddlesData(): Aliased {
    const buffer = uniform(3, 3 * LONG);
    const half = Math.floor(LONG / 2);
    const first = new Parameter(buffer.subarray(0, LONG), {
      grad: buffer.subarray(LONG, 2 * LONG),
    });
    const second = new Parameter(buffer.subarray(2 * LONG), {
      grad: buffer.subarray(half, half + LONG),
    });
    return {
      params: [first, second],
      setGrads: (k) => (first.grad as FloatArray).set(uniform(200 + k, LONG)),
    };
  }

  for (const algorithm of ["sgd", "adam"]) {
    it(`${algorithm} reads another parameter's data after its update`, () => {
      const expected = stepAliased("js", algorithm, gradIsEarlierData);
      const actual = stepAliased("wasm", algorithm, gradIsEarlierData);
      expect(worstError(wrap(actual), wrap(expected))).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });

    it(`${algorithm} reads a gradient half over earlier data`, () => {
      const expected = stepAliased("js", algorithm, gradStraddlesData);
      const actual = stepAliased("wasm", algorithm, gradStraddlesData);
      expect(worstError(wrap(actual), wrap(expected))).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });
  }

  it("adam reads a subarray of allocated data", () => {
    const kernels = loadFloat32Kernels()!;
    /** Builds two parameters, the second with elements [4, LONG + 4) of the first one's data as its gradient. */
    const build = (allocated: boolean) => (): Aliased => {
      const first = allocated
        ? Parameter.allocate(LONG + 8)
        : new Parameter(new Float32Array(LONG + 8));
      first.data.set(uniform(4, LONG + 8));
      const second = new Parameter(uniform(5, LONG));
      return {
        params: [first, second],
        setGrads: (k) => {
          (first.grad as FloatArray).set(uniform(300 + k, LONG + 8));
          second.grad = first.data.subarray(4, LONG + 4) as Float32Array;
        },
      };
    };
    const expected = stepAliased("js", "adam", build(false));
    // Room for every block the steps allocate, so that no step grows the
    // memory and detaches the subarray.
    Parameter.allocate(16 * LONG).dispose();
    const generation = kernels.arena.generation;
    const actual = stepAliased("wasm", "adam", build(true));
    expect(kernels.arena.generation).toBe(generation);
    expect(worstError(wrap(actual), wrap(expected))).toBeLessThanOrEqual(
      TOLERANCE,
    );
  });
});

describe("Parameter.allocate", () => {
  it("gives zero-filled float32 data and grad of the requested shape", () => {
    const w = Parameter.allocate(12, { shape: [3, 4], name: "w" });
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(w.data.length).toBe(12);
    expect(w.grad?.length).toBe(12);
    expect(w.shape).toEqual([3, 4]);
    expect(Array.from(w.data).every((x) => x === 0)).toBe(true);
    w.dispose();
  });

  it("keeps values through dispose", () => {
    const w = Parameter.allocate(5);
    w.data.set([1, 2, 3, 4, 5]);
    w.dispose();
    expect(Array.from(w.data)).toEqual([1, 2, 3, 4, 5]);
    expect(w.grad?.length).toBe(5);
  });

  it("accepts a new grad and null", () => {
    const w = Parameter.allocate(3);
    w.grad = null;
    expect(w.grad).toBeNull();
    w.grad = new Float32Array([1, 2, 3]);
    const opt = createOptimizer("sgd", [w], { lr: 1 });
    opt.step();
    expect(Array.from(w.data)).toEqual([-1, -2, -3]);
  });

  it("rejects a length that is not a whole number", () => {
    expect(() => Parameter.allocate(2.5)).toThrow(RangeError);
    expect(() => Parameter.allocate(-1)).toThrow(
      "length must be an integer >= 0, got -1",
    );
  });
});

describe("setKernelBackend", () => {
  it("rejects an unknown backend", () => {
    expect(() => setKernelBackend("gpu" as "js")).toThrow(
      'backend must be "js", "wasm" or "auto", got "gpu"',
    );
  });

  it("leaves float64 parameters to the reference loops", () => {
    const reference = new Parameter(new Float64Array([1, 2, 3]));
    const actual = new Parameter(new Float64Array([1, 2, 3]));
    const a = createOptimizer("adam", [actual], { lr: 0.1 });
    const b = createOptimizer("adam", [reference], { lr: 0.1 });
    actual.grad?.set([0.1, -0.2, 0.3]);
    reference.grad?.set([0.1, -0.2, 0.3]);
    withBackend("wasm", () => a.step());
    withBackend("js", () => b.step());
    expect(actual.data).toEqual(reference.data);
  });
});

describe("benchmark passes", () => {
  it("rootDivide divides by the root in float32", () => {
    const kernels = loadFloat32Kernels()!;
    const [theta, numerator, radicand] = [0, 1, 2].map(() =>
      Parameter.allocate(11),
    );
    try {
      const top = numerator.data as Float32Array;
      const root = radicand.data as Float32Array;
      for (let i = 0; i < 11; i++) {
        top[i] = i - 3.25;
        root[i] = 0.5 + i * 1.75;
      }
      kernels.rootDivide(theta.data as Float32Array, top, root);
      const result = theta.data as Float32Array;
      for (let i = 0; i < 11; i++) {
        const expected = Math.fround(top[i] / Math.fround(Math.sqrt(root[i])));
        expect(result[i], `element ${i}`).toBe(expected);
      }
      expect(Array.from(top)).toEqual(
        Array.from({ length: 11 }, (_, i) => i - 3.25),
      );
    } finally {
      for (const param of [theta, numerator, radicand]) param.dispose();
    }
  });

  it("copyThrough leaves user arrays unchanged", () => {
    const kernels = loadFloat32Kernels()!;
    const theta = Float32Array.from({ length: LONG }, (_, i) => i / 7);
    const grad = Float32Array.from({ length: LONG }, (_, i) => -i);
    const thetaBefore = theta.slice();
    kernels.copyThrough(theta, grad);
    expect(theta).toEqual(thetaBefore);
    expect(grad[LONG - 1]).toBe(-(LONG - 1));
  });
});
