/**
 * The optimizer benchmark behind `descent bench`. It times one `step()` per
 * parameter for every element-wise algorithm, with the TypeScript loops and
 * with the WebAssembly kernels, and divides each time by that of a pass that
 * only streams the same bytes through memory.
 */
import {
  type Optimizer,
  Parameter,
  createOptimizer,
  setKernelBackend,
} from "../core/index.js";
import {
  type Float32Kernels,
  loadFloat32Kernels,
} from "../core/wasm/runtime.js";

/** One optimizer configuration to time. */
export interface BenchCase {
  /** Row label, e.g. "rmsprop centered+momentum". */
  label: string;
  /** Name for createOptimizer. */
  algorithm: string;
  options: Record<string, unknown>;
}

/** Every element-wise algorithm, and the option variants that change which buffers it keeps. */
export const BENCH_CASES: readonly BenchCase[] = [
  { label: "sgd", algorithm: "sgd", options: { lr: 1e-3 } },
  {
    label: "sgd momentum",
    algorithm: "sgd",
    options: { lr: 1e-3, momentum: 0.9 },
  },
  {
    label: "sgd nesterov",
    algorithm: "sgd",
    options: { lr: 1e-3, momentum: 0.9, nesterov: true },
  },
  { label: "adagrad", algorithm: "adagrad", options: {} },
  { label: "adadelta", algorithm: "adadelta", options: {} },
  { label: "rmsprop", algorithm: "rmsprop", options: {} },
  {
    label: "rmsprop centered+momentum",
    algorithm: "rmsprop",
    options: { centered: true, momentum: 0.9 },
  },
  { label: "adam", algorithm: "adam", options: {} },
  { label: "amsgrad", algorithm: "amsgrad", options: {} },
  { label: "adamw", algorithm: "adamw", options: {} },
  { label: "adamax", algorithm: "adamax", options: {} },
  { label: "nadam", algorithm: "nadam", options: {} },
  { label: "radam", algorithm: "radam", options: {} },
  { label: "adabound", algorithm: "adabound", options: {} },
  { label: "amsbound", algorithm: "amsbound", options: {} },
  { label: "adaboundw", algorithm: "adaboundw", options: {} },
];

/**
 * The way a step runs: `js` with the TypeScript loops on ordinary Float32Arrays,
 * `wasm` with the WebAssembly kernels on ordinary Float32Arrays (copied in
 * and out), `wasmOwn` with the kernels on parameters from Parameter.allocate.
 */
export type BenchMode = "js" | "wasm" | "wasmOwn";

export const BENCH_MODES: readonly BenchMode[] = ["js", "wasm", "wasmOwn"];

/** `flat`: one tensor of all the parameters; `tensors`: {@link TENSOR_COUNT} equal tensors. */
export type BenchLayout = "flat" | "tensors";

export const TENSOR_COUNT = 100;

/**
 * The work a timed sample runs: a step in one mode, the streaming pass, the
 * finiteness check alone, the copies of user arrays alone, a step from the
 * cache, a step of fixed cost only, or the root-and-divide pass.
 */
type Action =
  | BenchMode
  | "stream"
  | "check"
  | "copy"
  | "cached"
  | "overhead"
  | "rootDivide";

/**
 * A mode's time for one configuration. Every time in a result is that of
 * the fastest sample: on a shared machine it is the one least slowed by
 * other processes, for the step and the streaming pass alike.
 */
export interface ModeTiming {
  /** Nanoseconds per parameter of one step. */
  ns: number;
  /** `ns` divided by the streaming pass's time. */
  ratio: number;
}

/** The timings of one case at one size and layout. */
export interface BenchResult {
  label: string;
  algorithm: string;
  options: Record<string, unknown>;
  /** Parameters in all tensors together. */
  size: number;
  layout: BenchLayout;
  tensors: number;
  /** State buffers per tensor, each as large as the tensor. */
  buffers: number;
  /** Bytes read and written per parameter by one step: 4 for the gradient, 8 for θ and each buffer. */
  bytesPerParameter: number;
  /** Nanoseconds per parameter of the streaming pass over the same arrays. */
  streamNs: number;
  /**
   * Nanoseconds per parameter of the check for NaN and ±Infinity
   * that every step runs over the gradients first (wasm, own memory). It is
   * part of each mode's time.
   */
  checkNs: number;
  /**
   * Nanoseconds per parameter of a wasm step on parameters in descent's
   * memory whose arrays all fit in the L2 cache, less the step's fixed cost:
   * the time the step's arithmetic takes when memory does not hold it up.
   * It depends on the case alone, so every size and layout shows the same value.
   */
  cachedNs: number;
  /**
   * Nanoseconds per parameter of copying θ and the gradient of user arrays
   * into descent's memory and θ back, as a wasm step on them does, with no
   * arithmetic.
   */
  copyNs: number;
  modes: Record<BenchMode, ModeTiming>;
  /**
   * The lowest ratio to the streaming pass that each wasm mode could reach
   * on this machine with these kernels. A step from memory takes at least as
   * long as the same step from the cache (`cachedNs`) and at least as long
   * as the streaming pass plus the check, which reads every gradient before
   * anything is written (`streamNs + checkNs`). User arrays add `copyNs`,
   * because the copies run between kernel calls on the same thread.
   */
  floors: Record<"wasm" | "wasmOwn", number>;
}

export interface BenchSettings {
  sizes: readonly number[];
  cases: readonly BenchCase[];
  layouts: readonly BenchLayout[];
  /** Timed samples per mode. */
  repeats: number;
  /** Minimum duration of one timed sample in milliseconds. Short steps repeat within it. */
  sampleMs: number;
  /** Called before each configuration, for progress display. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Steps before timing: lets the engine optimize the code, and takes RAdam past its 5 unrectified steps. */
const WARMUP_STEPS = 8;

/**
 * Parameters of the step timed from the cache: 64 KiB per array, so that
 * θ, the gradient and three state buffers (320 KiB) fit in an L2 cache of
 * 512 KiB or more.
 */
const CACHED_LENGTH = 16384;

/** Parameters of the step whose time counts as a step's fixed cost. */
const OVERHEAD_LENGTH = 16;

/**
 * Minimum number of samples of the cached and fixed-cost steps. Each
 * sample lasts only `sampleMs`, and another process running during all of
 * a few samples can inflate the cached time severalfold.
 */
const CACHED_REPEATS = 15;

/** Elements of the root-and-divide pass: its three 16 KiB arrays fit in a 48 KiB L1 cache. */
const ROOT_DIVIDE_LENGTH = 4096;

/**
 * Times every case at every size and layout.
 * @throws Error where WebAssembly SIMD is unavailable, since the wasm modes and the streaming pass need it.
 */
export function runOptimizerBench(settings: BenchSettings): BenchResult[] {
  const kernels = requireKernels();
  const results: BenchResult[] = [];
  const cachedByCase = new Map<BenchCase, number>();
  const total =
    settings.sizes.length * settings.layouts.length * settings.cases.length;
  try {
    for (const size of settings.sizes) {
      for (const layout of settings.layouts) {
        for (const benchCase of settings.cases) {
          settings.onProgress?.(
            results.length,
            total,
            `${benchCase.label}, ${size} parameters, ${layout}`,
          );
          let cachedNs = cachedByCase.get(benchCase);
          if (cachedNs === undefined) {
            cachedNs = timeCachedStep(benchCase, settings);
            cachedByCase.set(benchCase, cachedNs);
          }
          results.push(
            benchConfiguration(
              kernels,
              benchCase,
              size,
              layout,
              cachedNs,
              settings,
            ),
          );
        }
      }
    }
  } finally {
    setKernelBackend("auto");
  }
  settings.onProgress?.(results.length, total, "done");
  return results;
}

/**
 * Times the sqrt-and-divide pass over arrays in the L1 cache, in
 * nanoseconds per element: the arithmetic that every kernel taking a root
 * of its state (all but SGD and Adamax) has to do, on this machine.
 * @throws Error where WebAssembly SIMD is unavailable.
 */
export function timeRootDivide(settings: BenchSettings): number {
  const kernels = requireKernels();
  const arrays = [0, 1, 2].map((k) => {
    const param = Parameter.allocate(ROOT_DIVIDE_LENGTH);
    fillUniform(param.data as Float32Array, k + 1, 1);
    // A radicand in [1, 2): no zero, negative or subnormal lane slows the root.
    const data = param.data as Float32Array;
    if (k === 2)
      for (let i = 0; i < data.length; i++) data[i] = 1.5 + data[i] / 2;
    return param;
  });
  try {
    // Read the views after every allocation: a later one may have grown the memory.
    const [theta, numerator, radicand] = arrays.map(
      (param) => param.data as Float32Array,
    );
    const samples = timeInterleaved(
      [["rootDivide", () => kernels.rootDivide(theta, numerator, radicand)]],
      ROOT_DIVIDE_LENGTH,
      settings,
    );
    return Math.min(...(samples.get("rootDivide") as number[]));
  } finally {
    for (const param of arrays) param.dispose();
  }
}

/**
 * Times a wasm step over {@link CACHED_LENGTH} parameters in descent's
 * memory, which stay in the cache from one step to the next, and subtracts
 * the time of a step over {@link OVERHEAD_LENGTH} parameters, which is
 * almost all fixed cost.
 */
function timeCachedStep(benchCase: BenchCase, settings: BenchSettings): number {
  const lengths = [CACHED_LENGTH, OVERHEAD_LENGTH];
  const params = lengths.map((length, k) => {
    const param = Parameter.allocate(length);
    fillUniform(param.data as Float32Array, 2 * k + 1, 1);
    fillUniform(param.grad as Float32Array, 2 * k + 2, 1e-2);
    return param;
  });
  const [large, small] = params.map((param) =>
    createOptimizer(benchCase.algorithm, [param], benchCase.options),
  );
  try {
    useBackend("wasmOwn");
    for (let k = 0; k < WARMUP_STEPS; k++) {
      large.step();
      small.step();
    }
    // Times per step (1 "parameter"), so that the two can be subtracted.
    const samples = timeInterleaved(
      [
        ["cached", () => large.step()],
        ["overhead", () => small.step()],
      ],
      1,
      { ...settings, repeats: Math.max(settings.repeats, CACHED_REPEATS) },
    );
    const largeNs = Math.min(...(samples.get("cached") as number[]));
    const smallNs = Math.min(...(samples.get("overhead") as number[]));
    return Math.max(0, largeNs - smallNs) / (CACHED_LENGTH - OVERHEAD_LENGTH);
  } finally {
    large.dispose();
    small.dispose();
    for (const param of params) param.dispose();
  }
}

/**
 * Returns the WebAssembly kernels.
 * @throws Error where WebAssembly SIMD is unavailable.
 */
function requireKernels(): Float32Kernels {
  const kernels = loadFloat32Kernels();
  if (kernels === null) {
    throw new Error(
      "descent bench: this JavaScript engine has no WebAssembly SIMD, so the kernels cannot be timed.",
    );
  }
  return kernels;
}

/** The three optimizers of one configuration, over equal parameters. */
interface Contenders {
  own: Parameter[];
  /** Parameters in ordinary Float32Arrays, those of the `wasm` mode. */
  user: Parameter[];
  optimizers: Record<BenchMode, Optimizer>;
}

function benchConfiguration(
  kernels: Float32Kernels,
  benchCase: BenchCase,
  size: number,
  layout: BenchLayout,
  cachedNs: number,
  settings: BenchSettings,
): BenchResult {
  const tensors = layout === "flat" ? 1 : TENSOR_COUNT;
  const contenders = makeContenders(benchCase, size / tensors, tensors);
  const { own, user, optimizers } = contenders;
  try {
    for (const mode of BENCH_MODES) {
      useBackend(mode);
      for (let k = 0; k < WARMUP_STEPS; k++) optimizers[mode].step();
    }
    const states = own.map((param) =>
      Object.values(optimizers.wasmOwn.state.get(param)?.buffers ?? {}),
    );
    const buffers = states[0].length;
    const stream = (): void => {
      own.forEach((param, i) =>
        kernels.stream(
          param.data as Float32Array,
          param.grad as Float32Array,
          states[i] as Float32Array[],
        ),
      );
    };

    const actions: Array<[Action, () => void]> = [
      ["stream", stream],
      [
        "check",
        () => {
          for (const param of own)
            kernels.firstNonFinite(param.grad as Float32Array);
        },
      ],
      [
        "copy",
        () => {
          for (const param of user)
            kernels.copyThrough(
              param.data as Float32Array,
              param.grad as Float32Array,
            );
        },
      ],
      ...BENCH_MODES.map((mode): [BenchMode, () => void] => [
        mode,
        () => optimizers[mode].step(),
      ]),
    ];
    const samples = timeInterleaved(actions, size, settings);
    const streamSamples = samples.get("stream") as number[];
    const streamNs = Math.min(...streamSamples);
    const checkNs = Math.min(...(samples.get("check") as number[]));
    const copyNs = Math.min(...(samples.get("copy") as number[]));
    const modes = {} as Record<BenchMode, ModeTiming>;
    for (const mode of BENCH_MODES) {
      const times = samples.get(mode) as number[];
      modes[mode] = {
        ns: Math.min(...times),
        ratio: Math.min(...times) / streamNs,
      };
    }
    const ownFloorNs = Math.max(cachedNs, streamNs + checkNs);
    return {
      label: benchCase.label,
      algorithm: benchCase.algorithm,
      options: benchCase.options,
      size,
      layout,
      tensors,
      buffers,
      bytesPerParameter: 4 + 8 * (1 + buffers),
      streamNs,
      checkNs,
      cachedNs,
      copyNs,
      modes,
      floors: {
        wasmOwn: ownFloorNs / streamNs,
        wasm: (ownFloorNs + copyNs) / streamNs,
      },
    };
  } finally {
    optimizers.wasmOwn.dispose();
    optimizers.wasm.dispose();
    for (const param of own) param.dispose();
  }
}

function makeContenders(
  benchCase: BenchCase,
  length: number,
  tensors: number,
): Contenders {
  const own: Parameter[] = [];
  const user: Parameter[] = [];
  const js: Parameter[] = [];
  for (let t = 0; t < tensors; t++) {
    const param = Parameter.allocate(length);
    fillUniform(param.data as Float32Array, 2 * t + 1, 1);
    fillUniform(param.grad as Float32Array, 2 * t + 2, 1e-2);
    own.push(param);
  }
  // Parameters are allocated first, so the arrays read here are not detached by later growth.
  for (const source of own) {
    for (const list of [user, js]) {
      const copy = new Parameter(new Float32Array(source.data));
      (copy.grad as Float32Array).set(source.grad as Float32Array);
      list.push(copy);
    }
  }
  const make = (params: Parameter[]) =>
    createOptimizer(benchCase.algorithm, params, benchCase.options);
  return {
    own,
    user,
    optimizers: { js: make(js), wasm: make(user), wasmOwn: make(own) },
  };
}

function useBackend(mode: Action): void {
  setKernelBackend(mode === "js" ? "js" : "wasm");
}

/**
 * Times the actions in turns, so that a slow moment of a shared machine
 * affects all of them alike. Each sample repeats its action often enough to
 * last `sampleMs`, and is recorded in nanoseconds per parameter.
 */
function timeInterleaved(
  actions: Array<[Action, () => void]>,
  parameters: number,
  settings: BenchSettings,
): Map<Action, number[]> {
  const counts = new Map<Action, number>();
  for (const [name, action] of actions) {
    useBackend(name);
    const once = elapsedMs(action, 1);
    counts.set(
      name,
      Math.max(1, Math.ceil(settings.sampleMs / Math.max(once, 1e-3))),
    );
  }
  const samples = new Map<Action, number[]>(
    actions.map(([name]) => [name, []]),
  );
  for (let r = 0; r < settings.repeats; r++) {
    for (const [name, action] of actions) {
      useBackend(name);
      const count = counts.get(name) as number;
      const ms = elapsedMs(action, count);
      samples.get(name)?.push((ms * 1e6) / (count * parameters));
    }
  }
  return samples;
}

function elapsedMs(action: () => void, count: number): number {
  const start = performance.now();
  for (let k = 0; k < count; k++) action();
  return performance.now() - start;
}

/** Fills `values` with uniform numbers in [−scale, scale) from a linear congruential generator. */
function fillUniform(values: Float32Array, seed: number, scale: number): void {
  let state = seed >>> 0;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = ((state / 2 ** 32) * 2 - 1) * scale;
  }
}
