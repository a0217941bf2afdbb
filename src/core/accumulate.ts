import {
  decodeFloat64PerParameter,
  encodeArray,
  type EncodedArray,
} from "./encoding.js";
import {
  type FloatArray,
  Parameter,
  checkGradMatches,
  zerosLike,
} from "./parameter.js";
import { StateDictError, checkOption, describeValue } from "./validation.js";

/** Options of {@link GradientAccumulator}. */
export interface GradientAccumulatorOptions {
  /** Micro-batches k per optimizer step; an integer >= 1. Required. */
  steps: number;
  /**
   * `"mean"` (default): the released gradient is the mean over the window's
   * micro-batches, as when each micro-batch loss is divided by k. `"sum"`: their sum.
   */
  reduction?: "mean" | "sum";
}

/** The JSON-safe form of a {@link GradientAccumulator}'s state. */
export interface GradientAccumulatorStateDict {
  format: "descent-accumulator";
  version: 1;
  steps: number;
  reduction: "mean" | "sum";
  /** Micro-batches added in the current window. */
  count: number;
  /** Each parameter's running sum (float64), or null if it has had no gradient in this window. */
  sums: (EncodedArray | null)[];
}

const FORMAT = "descent-accumulator";
const VERSION = 1;
const STEPS_SPEC = {
  type: "number",
  default: undefined,
  min: 1,
  integer: true,
  example: 4,
  description: "",
} as const;

/**
 * Accumulates gradients over k micro-batches, so that one optimizer step uses
 * the gradient of a batch k times larger than fits in memory at once.
 *
 * ```text
 * accumulate():  S ← S + g for every parameter with a gradient;  n ← n + 1
 *                when n = k:  g ← S / k (mean) or S (sum);  S ← 0, n ← 0;  returns true
 * ```
 *
 * Fill each parameter's `grad` with one micro-batch's gradient (overwrite it,
 * do not add to it) before each `accumulate()`. When it returns true, every
 * gradient holds the accumulated one: call `optimizer.step()` then. The sums
 * are kept in float64, whatever the parameters' element type. A parameter
 * whose `grad` is `null` in a micro-batch contributes nothing to it; one that
 * had no gradient in the whole window keeps `grad` null, so the optimizer
 * skips it. The mean divides by the number of micro-batches in the window,
 * whether or not a parameter had a gradient in each.
 *
 * Options: `steps` k (required, integer >= 1), `reduction` ("mean" or "sum",
 * default "mean").
 *
 * @throws TypeError or RangeError for an invalid option or parameter list.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1, 1]));
 * const opt = new SGD([w], { lr: 0.1 });
 * const acc = new GradientAccumulator([w], { steps: 2 });
 * w.grad!.set([1, 2]);
 * acc.accumulate(); // false
 * w.grad!.set([3, 0]);
 * if (acc.accumulate()) opt.step(); // the step uses the mean [2, 1]
 * // w.data is now [0.8, 0.9]
 * ```
 */
export class GradientAccumulator {
  /** The parameters whose gradients are accumulated. */
  readonly params: readonly Parameter[];
  private stepsPerWindow: number;
  private reduction: "mean" | "sum";
  private added = 0;
  /** Running sums; null until the parameter has a gradient in the window. */
  private sums: (Float64Array | null)[];

  constructor(
    params: readonly Parameter[],
    options: GradientAccumulatorOptions,
  ) {
    const where = "GradientAccumulator";
    this.params = checkParams(where, params);
    const { steps, reduction } = checkAccumulatorOptions(where, options);
    this.stepsPerWindow = steps;
    this.reduction = reduction;
    this.sums = this.params.map(() => null);
  }

  /** Micro-batches k per optimizer step. */
  get steps(): number {
    return this.stepsPerWindow;
  }

  /** Micro-batches added since the last release. */
  get count(): number {
    return this.added;
  }

  /**
   * Adds each parameter's current gradient to its running sum. After the k-th
   * micro-batch, writes the accumulated gradients into `grad`, starts a new
   * window and returns true; otherwise returns false.
   * @throws TypeError for a gradient that does not match its data, or a
   *   parameter whose length changed; checked before anything changes.
   */
  accumulate(): boolean {
    this.checkGradients("GradientAccumulator.accumulate");
    this.params.forEach((param, p) => {
      const grad = param.grad;
      if (grad === null) return;
      const sum = (this.sums[p] ??= new Float64Array(grad.length));
      for (let i = 0; i < grad.length; i++) sum[i] += grad[i];
    });
    this.added += 1;
    if (this.added < this.stepsPerWindow) return false;
    this.release();
    return true;
  }

  /**
   * Writes the mean over the micro-batches added so far into `grad` and
   * starts a new window. Use it for the last micro-batches of an epoch that
   * do not fill a window.
   * @returns true if the window contained a micro-batch, so an optimizer step is due.
   */
  flush(): boolean {
    if (this.added === 0) return false;
    this.release();
    return true;
  }

  /** Drops the current window's sums without touching any gradient. */
  reset(): void {
    this.sums = this.params.map(() => null);
    this.added = 0;
  }

  /** Returns the window's state as a JSON-safe object; the sums are stored bit-exactly. */
  stateDict(): GradientAccumulatorStateDict {
    return {
      format: FORMAT,
      version: VERSION,
      steps: this.stepsPerWindow,
      reduction: this.reduction,
      count: this.added,
      sums: this.sums.map((sum) => (sum === null ? null : encodeArray(sum))),
    };
  }

  /**
   * Replaces the window's state with a saved one. Everything is checked
   * before anything is replaced.
   * @throws StateDictError for a dict of another format or version, or one
   *   saved for other parameters.
   */
  loadStateDict(dict: GradientAccumulatorStateDict): void {
    const where = "GradientAccumulator.loadStateDict";
    const fail = (problem: string, fix: string): never => {
      throw new StateDictError(`${where}: ${problem}. ${fix}`);
    };
    if (
      dict === null ||
      typeof dict !== "object" ||
      dict.format !== FORMAT ||
      dict.version !== VERSION
    ) {
      fail(
        `expected a state dict of format "${FORMAT}" version ${VERSION}, got ${describeValue(dict)}`,
        "Pass what stateDict() returned",
      );
    }
    let options: { steps: number; reduction: "mean" | "sum" } = {
      steps: 1,
      reduction: "mean",
    };
    try {
      options = checkAccumulatorOptions(where, {
        steps: dict.steps,
        reduction: dict.reduction,
      });
    } catch (error) {
      fail(
        `its options are invalid: ${(error as Error).message}`,
        "Save the state again",
      );
    }
    // From 2^53 on, adding 1 no longer changes the count.
    const countLimit = Math.min(options.steps, Number.MAX_SAFE_INTEGER + 1);
    if (
      !Number.isSafeInteger(dict.count) ||
      dict.count < 0 ||
      dict.count >= countLimit
    ) {
      fail(
        `count must be an integer in [0, ${countLimit}), got ${describeValue(dict.count)}`,
        "Pass what stateDict() returned",
      );
    }
    const sums = decodeFloat64PerParameter(
      dict.sums,
      this.params.map((param) => param.data.length),
      { what: "sums", owner: "accumulator", allowNull: true },
      fail,
    );

    this.stepsPerWindow = options.steps;
    this.reduction = options.reduction;
    this.added = dict.count;
    this.sums = sums;
  }

  /** Writes the accumulated gradients into `grad` and starts a new window. */
  private release(): void {
    const divisor = this.reduction === "mean" ? this.added : 1;
    this.params.forEach((param, p) => {
      const sum = this.sums[p];
      if (sum === null) return;
      const grad: FloatArray = (param.grad ??= zerosLike(param.data));
      for (let i = 0; i < grad.length; i++) grad[i] = sum[i] / divisor;
    });
    this.reset();
  }

  private checkGradients(where: string): void {
    this.params.forEach((param, p) => {
      const label = param.name ? `"${param.name}"` : `${p}`;
      const sum = this.sums[p];
      if (sum !== null && sum.length !== param.data.length) {
        throw new TypeError(
          `${where}: parameter ${label} now has ${param.data.length} elements but its running sum has ${sum.length}. ` +
            `Keep a parameter's length fixed, or reset() the accumulator.`,
        );
      }
      if (param.grad !== null)
        checkGradMatches(
          param.data,
          param.grad,
          `${where}: parameter ${label}`,
        );
    });
  }
}

function checkParams(where: string, params: readonly Parameter[]): Parameter[] {
  if (!Array.isArray(params) || params.length === 0) {
    throw new TypeError(
      `${where}: params must be a non-empty array of Parameter, got ${describeValue(params)}. Pass [w, b, ...].`,
    );
  }
  params.forEach((param: unknown, index) => {
    if (!(param instanceof Parameter)) {
      throw new TypeError(
        `${where}: params[${index}] must be a Parameter, got ${describeValue(param)}. Wrap arrays with new Parameter(data).`,
      );
    }
    if (params.indexOf(param) !== index) {
      throw new TypeError(
        `${where}: params[${index}] is listed twice. List each parameter once.`,
      );
    }
  });
  return [...params];
}

function checkAccumulatorOptions(
  where: string,
  options: GradientAccumulatorOptions,
): { steps: number; reduction: "mean" | "sum" } {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where}: options must be an object, got ${describeValue(options)}. Pass { steps: 4 }.`,
    );
  }
  const { steps, reduction = "mean", ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw new TypeError(
      `${where}: unknown option "${unknown}". Valid options: steps, reduction.`,
    );
  }
  checkOption(where, "steps", STEPS_SPEC, steps);
  if (reduction !== "mean" && reduction !== "sum") {
    const message = `${where}: reduction must be "mean" or "sum", got ${describeValue(reduction)}. Try reduction: "mean".`;
    throw typeof reduction === "string"
      ? new RangeError(message)
      : new TypeError(message);
  }
  return { steps, reduction };
}
