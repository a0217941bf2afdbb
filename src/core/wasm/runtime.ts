import type { FloatArray, Parameter } from "../parameter.js";
import { KERNELS_WASM_BASE64 } from "./kernels.generated.js";
import { Arena, type Float32Block } from "./memory.js";
import { ResidentRecords } from "./resident.js";

/** The code that runs float32 update loops: the TypeScript reference or WebAssembly SIMD. */
export type KernelBackend = "js" | "wasm";

/** A backend to force, or `"auto"`: WebAssembly SIMD where the engine has it, else TypeScript. */
export type KernelBackendSetting = KernelBackend | "auto";

/** Names of the update kernels in kernels.wat. */
export type KernelName =
  | "sgd"
  | "sgd_momentum"
  | "adagrad"
  | "adadelta"
  | "rmsprop"
  | "adam"
  | "adamax"
  | "nadam"
  | "radam"
  | "adabound";

type KernelFunction = (
  theta: number,
  grad: number,
  s0: number,
  s1: number,
  s2: number,
  n: number,
) => void;

interface KernelExports extends Record<KernelName, KernelFunction> {
  memory: WebAssembly.Memory;
  stream_0: KernelFunction;
  stream_1: KernelFunction;
  stream_2: KernelFunction;
  stream_3: KernelFunction;
  root_divide: KernelFunction;
  first_non_finite(values: number, n: number): number;
}

/** Bytes [0, 64) of the memory hold the coefficient block: 16 float32 values. */
const COEFFICIENT_COUNT = 16;
const COEFFICIENT_BYTES = COEFFICIENT_COUNT * 4;

/**
 * Elements per piece when a parameter or gradient lives outside descent's
 * memory: each piece is copied into a 64 KiB scratch block, which stays in
 * the L2 cache while the kernel runs over it.
 */
const CHUNK = 16384;

/**
 * Elements (64 MiB) of the block that contains a step's copies of gradients
 * from outside descent's memory. Gradients past it are copied piece by
 * piece twice per step, once for the finiteness check and once for the
 * kernel, as when the memory is full.
 */
const STAGING_LIMIT = 16 * 1024 * 1024;

/**
 * The smallest module that uses a SIMD instruction (i8x16.popcnt), as
 * WebAssembly feature detection usually does: `WebAssembly.validate` accepts
 * it only where SIMD is supported.
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8,
  0, 65, 0, 253, 15, 253, 98, 11,
]);

/**
 * The compiled kernels, their memory and the copying that lets them update
 * arrays outside that memory.
 */
export class Float32Kernels {
  /** The allocator of the kernels' memory. */
  readonly arena: Arena;
  /** The objects whose properties hold arrays in the kernels' memory. */
  readonly residents: ResidentRecords;

  private readonly exports: KernelExports;
  private coefficientView: Float32Array;
  private coefficientGeneration = 0;
  private readonly thetaScratch: Float32Block;
  private readonly gradScratch: Float32Block;
  /** The block that gradients outside the memory are copied into for one step, kept for the next. */
  private staging: Float32Block | null = null;
  /** Element index in `staging` of each gradient copied there in the current step. */
  private readonly staged = new Map<Float32Array, number>();
  /** Elements of `staging` in use in the current step. */
  private stagingUsed = 0;
  /** Whether a step is open (from {@link beginStep} to {@link endStep}). Gradients are staged only then. */
  private stepOpen = false;
  /** Counts the steps begun, so that marks in `dataBuffers` from earlier steps read as stale. */
  private stepNumber = 0;
  /** The last step in which each buffer held the data of a parameter that the step updates. */
  private readonly dataBuffers = new WeakMap<ArrayBufferLike, number>();

  constructor(exports: KernelExports) {
    this.exports = exports;
    this.coefficientView = new Float32Array(
      exports.memory.buffer,
      0,
      COEFFICIENT_COUNT,
    );
    this.arena = new Arena(exports.memory, COEFFICIENT_BYTES);
    this.residents = new ResidentRecords(this.arena);
    const thetaScratch = this.arena.allocate(CHUNK);
    const gradScratch = this.arena.allocate(CHUNK);
    if (thetaScratch === null || gradScratch === null) {
      throw new RangeError(
        "descent: could not reserve 128 KiB of WebAssembly memory for the kernels.",
      );
    }
    this.thetaScratch = thetaScratch;
    this.gradScratch = gradScratch;
  }

  /**
   * Moves every Float32Array in `buffers` into the kernels' memory.
   * @returns false if the memory is full. The arrays that did not fit stay ordinary.
   */
  adoptAll(buffers: Record<string, FloatArray>): boolean {
    let complete = true;
    for (const name in buffers) {
      if (!(buffers[name] instanceof Float32Array)) continue;
      if (!this.residents.adopt(buffers, name, this.arena)) complete = false;
    }
    return complete;
  }

  /**
   * Runs `kernel` over one parameter. `coefficients` are its per-step
   * scalars in the layout its comment in kernels.wat gives (at most 16).
   * `s0`..`s2` name the state buffers in `buffers` the kernel reads, in its
   * order; undefined passes address 0 for a buffer the variant does not use.
   *
   * `theta` and `grad` may be anywhere: arrays outside the kernels' memory are
   * copied through scratch blocks piece by piece. No typed-array storage is
   * allocated.
   * @returns false, changing nothing, if a named buffer is not in the
   *   kernels' memory because it was created in this step or the memory was
   *   full. The caller then runs the TypeScript loop.
   */
  run(
    kernel: KernelName,
    coefficients: ArrayLike<number>,
    theta: FloatArray,
    grad: FloatArray,
    buffers: Record<string, FloatArray>,
    s0?: string,
    s1?: string,
    s2?: string,
  ): boolean {
    const p0 = this.address(buffers, s0);
    const p1 = this.address(buffers, s1);
    const p2 = this.address(buffers, s2);
    if (p0 < 0 || p1 < 0 || p2 < 0) return false;
    const staged = this.stagedCoefficients();
    // An indexed loop: TypedArray.prototype.set from a plain array costs more for 16 values.
    for (let i = 0; i < coefficients.length; i++) staged[i] = coefficients[i];
    // Only float32 parameters get kernels (see float32Kernels), and grad matches theta's type.
    this.apply(
      this.exports[kernel],
      theta as Float32Array,
      grad as Float32Array,
      p0,
      p1,
      p2,
    );
    return true;
  }

  /**
   * Reads and writes the arrays an update with `states.length` buffers
   * touches, doing no arithmetic that changes them: the benchmark's measure of
   * memory speed. Every array must be a view from the kernels' memory.
   */
  stream(
    theta: Float32Array,
    grad: Float32Array,
    states: readonly Float32Array[],
  ): void {
    const kernels = [
      this.exports.stream_0,
      this.exports.stream_1,
      this.exports.stream_2,
      this.exports.stream_3,
    ];
    const addresses = states.map((state) => this.blockAddress(state));
    this.stagedCoefficients()[0] = 0;
    kernels[states.length](
      this.blockAddress(theta),
      this.blockAddress(grad),
      addresses[0] ?? 0,
      addresses[1] ?? 0,
      addresses[2] ?? 0,
      theta.length,
    );
  }

  /**
   * Computes θ ← numerator / √radicand over views from the kernels' memory:
   * one square root and one division per element and nothing else. The
   * benchmark times it over arrays in the L1 cache to measure the arithmetic
   * that every kernel taking a root of its state has to do.
   */
  rootDivide(
    theta: Float32Array,
    numerator: Float32Array,
    radicand: Float32Array,
  ): void {
    this.exports.root_divide(
      this.blockAddress(theta),
      0,
      this.blockAddress(numerator),
      this.blockAddress(radicand),
      0,
      theta.length,
    );
  }

  /**
   * Copies `theta` and `grad` into the scratch blocks and `theta` back, piece
   * by piece: the copies a step makes of arrays outside the kernels' memory,
   * without its check or kernel. The benchmark's measure of what they cost.
   */
  copyThrough(theta: Float32Array, grad: Float32Array): void {
    this.apply(skipPiece, theta, grad, 0, 0, 0);
  }

  /**
   * Starts an optimizer step over the parameters in `groups`. It clears the
   * copies of the previous step and makes room to copy each float32
   * gradient outside descent's memory once: {@link firstNonFinite} copies
   * it into that room as it checks it, and the kernels then read the copy
   * instead of copying the gradient again.
   *
   * Some gradients are copied at each use instead: those past
   * {@link STAGING_LIMIT} elements in all or past what the memory can hold,
   * and those that may overlap an array the step writes. A gradient in the
   * buffer of a stepping parameter's data, or in descent's memory (where
   * parameters and state live), may change when an earlier parameter is
   * updated, and the kernels must read the new values, as the TypeScript
   * loops do.
   *
   * This may grow the memory, which detaches every view of it.
   */
  beginStep(
    groups: readonly { readonly params: readonly Parameter[] }[],
  ): void {
    this.endStep();
    this.stepNumber += 1;
    this.stepOpen = true;
    for (const group of groups) {
      for (const param of group.params) {
        if (param.grad !== null && ArrayBuffer.isView(param.data))
          this.dataBuffers.set(param.data.buffer, this.stepNumber);
      }
    }
    let elements = 0;
    for (const group of groups) {
      for (const { data, grad } of group.params) {
        if (
          data instanceof Float32Array &&
          grad instanceof Float32Array &&
          this.isStageable(grad)
        )
          elements += roundUpToVector(grad.length);
      }
    }
    const capacity = Math.min(elements, STAGING_LIMIT);
    if (capacity === 0) return;
    if (this.staging !== null && this.staging.length >= capacity) return;
    this.staging?.free();
    this.staging = this.arena.allocate(capacity);
  }

  /** Ends the step: clears its gradient copies, so no later step or call reads them. */
  endStep(): void {
    this.staged.clear();
    this.stagingUsed = 0;
    this.stepOpen = false;
  }

  /** Frees the staging block; the next step that needs one allocates it again. */
  releaseStaging(): void {
    this.endStep();
    this.staging?.free();
    this.staging = null;
  }

  /**
   * Returns the index of the first NaN or ±Infinity in `values`, or -1.
   * Within a step (see {@link beginStep}), an array that the step may stage
   * is copied into its staging block as it is checked, and the kernels read
   * that copy.
   */
  firstNonFinite(values: Float32Array): number {
    const check = this.exports.first_non_finite;
    const block = this.arena.blockOf(values);
    if (block !== undefined) return check(block.offset, block.length);
    if (this.staged.has(values)) return -1;
    const room = roundUpToVector(values.length);
    const staging = this.staging;
    if (
      staging !== null &&
      this.stepOpen &&
      this.stagingUsed + room <= staging.length &&
      this.isStageable(values)
    ) {
      const first = this.stagingUsed;
      const view = staging.view();
      for (let start = 0; start < values.length; start += CHUNK) {
        const end = Math.min(start + CHUNK, values.length);
        view.set(values.subarray(start, end), first + start);
        const index = check(staging.offset + (first + start) * 4, end - start);
        if (index >= 0) return start + index;
      }
      this.staged.set(values, first);
      this.stagingUsed += room;
      return -1;
    }
    const scratch = this.gradScratch.view();
    for (let start = 0; start < values.length; start += CHUNK) {
      const end = Math.min(start + CHUNK, values.length);
      scratch.set(values.subarray(start, end));
      const index = check(this.gradScratch.offset, end - start);
      if (index >= 0) return start + index;
    }
    return -1;
  }

  /** Returns the coefficient block at address 0 as an array over the current buffer. */
  private stagedCoefficients(): Float32Array {
    if (this.coefficientGeneration !== this.arena.generation) {
      this.coefficientView = new Float32Array(
        this.arena.buffer,
        0,
        COEFFICIENT_COUNT,
      );
      this.coefficientGeneration = this.arena.generation;
    }
    return this.coefficientView;
  }

  private address(
    buffers: Record<string, FloatArray>,
    name: string | undefined,
  ): number {
    if (name === undefined) return 0;
    return this.residents.blockOf(buffers, name)?.offset ?? -1;
  }

  private blockAddress(array: Float32Array): number {
    const block = this.arena.blockOf(array);
    if (block === undefined)
      throw new TypeError(
        "Float32Kernels.stream: every array must be a view from the kernels' memory.",
      );
    return block.offset;
  }

  /**
   * Tells whether the open step may copy `grad` once and read the copy: it
   * lies outside descent's memory and shares no buffer with the data of a
   * parameter that the step updates.
   */
  private isStageable(grad: Float32Array): boolean {
    const buffer = grad.buffer;
    return (
      buffer !== this.arena.buffer &&
      this.dataBuffers.get(buffer) !== this.stepNumber
    );
  }

  /** Returns the byte address of `grad` or of its copy in this step's staging block, if either exists. */
  private gradAddress(grad: Float32Array): number | undefined {
    const block = this.arena.blockOf(grad);
    if (block !== undefined) return block.offset;
    const first = this.staged.get(grad);
    if (first === undefined || this.staging === null) return undefined;
    return this.staging.offset + first * 4;
  }

  private apply(
    kernel: KernelFunction,
    theta: Float32Array,
    grad: Float32Array,
    p0: number,
    p1: number,
    p2: number,
  ): void {
    const thetaBlock = this.arena.blockOf(theta);
    const gradAddress = this.gradAddress(grad);
    // Growth may have detached a view of a block, but the block still records the length.
    const n = thetaBlock?.length ?? theta.length;
    if (thetaBlock !== undefined && gradAddress !== undefined) {
      kernel(thetaBlock.offset, gradAddress, p0, p1, p2, n);
      return;
    }
    const thetaScratch = this.thetaScratch.view();
    const gradScratch = this.gradScratch.view();
    for (let start = 0; start < n; start += CHUNK) {
      const count = Math.min(CHUNK, n - start);
      const skip = start * 4;
      let thetaAddress = this.thetaScratch.offset;
      let pieceGradAddress = this.gradScratch.offset;
      if (thetaBlock === undefined)
        thetaScratch.set(theta.subarray(start, start + count));
      else thetaAddress = thetaBlock.offset + skip;
      if (gradAddress === undefined)
        gradScratch.set(grad.subarray(start, start + count));
      else pieceGradAddress = gradAddress + skip;
      kernel(
        thetaAddress,
        pieceGradAddress,
        p0 && p0 + skip,
        p1 && p1 + skip,
        p2 && p2 + skip,
        count,
      );
      if (thetaBlock === undefined)
        theta.set(thetaScratch.subarray(0, count), start);
    }
  }
}

/** Returns `length` rounded up to whole 4-lane vectors. */
function roundUpToVector(length: number): number {
  return Math.ceil(length / 4) * 4;
}

/** A kernel that leaves its piece as it is, for {@link Float32Kernels.copyThrough}. */
const skipPiece: KernelFunction = () => {};

let setting: KernelBackendSetting = "auto";
/** The loaded kernels; null where WebAssembly SIMD is missing, undefined before the first attempt. */
let loaded: Float32Kernels | null | undefined;

function load(): Float32Kernels | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (typeof WebAssembly !== "object" || !WebAssembly.validate(SIMD_PROBE))
    return null;
  try {
    const module = new WebAssembly.Module(bytesFromBase64(KERNELS_WASM_BASE64));
    const instance = new WebAssembly.Instance(module, {});
    loaded = new Float32Kernels(instance.exports as unknown as KernelExports);
  } catch {
    // An engine may refuse synchronous compilation (some browsers on their
    // main thread) or the first page of memory; the TypeScript loops remain.
    loaded = null;
  }
  return loaded;
}

/**
 * Chooses the code that runs float32 updates: `"wasm"` for the WebAssembly
 * SIMD kernels, `"js"` for the TypeScript reference loops, or `"auto"` (the
 * default) for WebAssembly where the engine supports SIMD. Float64 parameters
 * always use the TypeScript loops. The choice applies to every optimizer from
 * its next step on, and state moves between the two as needed.
 *
 * @throws TypeError for a value other than "js", "wasm" or "auto".
 * @throws Error for "wasm" where WebAssembly SIMD is unavailable.
 * @example
 * ```ts
 * setKernelBackend("js");   // e.g. to compare against the reference loops
 * getKernelBackend();       // "js"
 * setKernelBackend("auto");
 * ```
 */
export function setKernelBackend(backend: KernelBackendSetting): void {
  if (backend !== "js" && backend !== "wasm" && backend !== "auto") {
    throw new TypeError(
      `setKernelBackend: backend must be "js", "wasm" or "auto", got ${JSON.stringify(backend) ?? String(backend)}. ` +
        `Pass "auto" to use WebAssembly where it is available.`,
    );
  }
  if (backend === "wasm" && load() === null) {
    throw new Error(
      `setKernelBackend: the "wasm" backend needs WebAssembly with SIMD, which this JavaScript engine does not provide. ` +
        `Use "auto" or "js".`,
    );
  }
  setting = backend;
}

/** Returns the backend that float32 updates use now: `"wasm"` or `"js"`. */
export function getKernelBackend(): KernelBackend {
  if (setting === "js") return "js";
  return load() === null ? "js" : "wasm";
}

/** Returns the kernels when they should update `theta`: a Float32Array while the backend is wasm. */
export function float32Kernels(theta: FloatArray): Float32Kernels | null {
  if (setting === "js" || !(theta instanceof Float32Array)) return null;
  return loaded === undefined ? load() : loaded;
}

/** Returns the kernels while the backend is wasm, loading them if needed, else null. */
export function activeFloat32Kernels(): Float32Kernels | null {
  if (setting === "js") return null;
  return loaded === undefined ? load() : loaded;
}

/** Returns the kernels whatever the backend setting, or null without WebAssembly SIMD. */
export function loadFloat32Kernels(): Float32Kernels | null {
  return load();
}

/** Returns the kernels if something loaded them already, without loading them. */
export function loadedFloat32Kernels(): Float32Kernels | null {
  return loaded ?? null;
}

const BASE64_ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes the generated module's base64 text, which is well-formed by construction. */
function bytesFromBase64(text: string): Uint8Array<ArrayBuffer> {
  const lookup = new Uint8Array(128);
  for (let i = 0; i < BASE64_ALPHABET.length; i++)
    lookup[BASE64_ALPHABET.charCodeAt(i)] = i;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    const triple =
      (lookup[text.charCodeAt(i)] << 18) |
      (lookup[text.charCodeAt(i + 1)] << 12) |
      (lookup[text.charCodeAt(i + 2)] << 6) |
      lookup[text.charCodeAt(i + 3)];
    if (out < bytes.length) bytes[out++] = (triple >> 16) & 255;
    if (out < bytes.length) bytes[out++] = (triple >> 8) & 255;
    if (out < bytes.length) bytes[out++] = triple & 255;
  }
  return bytes;
}
