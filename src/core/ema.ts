import {
  decodeFloat64PerParameter,
  encodeArray,
  type EncodedArray,
} from "./encoding.js";
import { Parameter } from "./parameter.js";
import { StateDictError, checkOption, describeValue } from "./validation.js";

/** Options of {@link ExponentialMovingAverage}. */
export interface ExponentialMovingAverageOptions {
  /** Decay β of the average, in [0, 1]; closer to 1 averages over more steps. Default 0.999. */
  decay?: number;
  /**
   * Use βₙ = min(β, (1 + n) / (10 + n)) at the n-th update, so that the early
   * average is not dominated by the starting weights. Default false.
   */
  warmup?: boolean;
}

/** The JSON-safe form of an {@link ExponentialMovingAverage}'s state. */
export interface ExponentialMovingAverageStateDict {
  format: "descent-ema";
  version: 1;
  decay: number;
  warmup: boolean;
  numUpdates: number;
  /** The averages, float64, one per parameter. */
  averages: EncodedArray[];
}

const FORMAT = "descent-ema";
const VERSION = 1;
const DECAY_SPEC = {
  type: "number",
  default: 0.999,
  min: 0,
  max: 1,
  example: 0.999,
  description: "",
} as const;
const WARMUP_SPEC = {
  type: "boolean",
  default: false,
  description: "",
} as const;

/**
 * Keeps an exponential moving average of the parameters' values, which often
 * evaluates better than the last weights of a noisy training run.
 *
 * ```text
 * at construction:  a ← θ
 * update():         n ← n + 1;  βₙ = β, or min(β, (1 + n)/(10 + n)) with warmup
 *                   a ← a + (1 − βₙ)·(θ − a)
 * ```
 *
 * The averages are kept in float64 whatever the parameters' element type, so
 * a β close to 1 still moves them when θ is float32. Call `update()` after
 * each `optimizer.step()`. To evaluate with the averages, call `applyTo()`,
 * which writes them into the parameters and keeps the training weights, then
 * `restore()` to put the training weights back.
 *
 * Options: `decay` β (0.999, in [0, 1]), `warmup` (false).
 *
 * @throws TypeError or RangeError for an invalid option or parameter list.
 * @remarks Follows TensorFlow's `tf.train.ExponentialMovingAverage`
 *   (`a ← a − (1 − β)·(a − θ)`, averages starting at the weights' values),
 *   with `num_updates` set to n, the count of updates including the current one.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([0]));
 * const ema = new ExponentialMovingAverage([w], { decay: 0.5 });
 * w.data[0] = 1;
 * ema.update(); // ema.averages[0] is now [0.5]
 * ema.applyTo(); // w.data is now [0.5] for evaluation
 * ema.restore(); // w.data is back to [1]
 * ```
 * @see TensorFlow `tf.train.ExponentialMovingAverage`: https://www.tensorflow.org/api_docs/python/tf/train/ExponentialMovingAverage
 */
export class ExponentialMovingAverage {
  /** The parameters whose values are averaged. */
  readonly params: readonly Parameter[];
  private decay: number;
  private warmup: boolean;
  private updates = 0;
  private averageArrays: Float64Array[];
  /** The training weights while the averages are applied, else null. */
  private backup: Float64Array[] | null = null;

  constructor(
    params: readonly Parameter[],
    options: ExponentialMovingAverageOptions = {},
  ) {
    const where = "ExponentialMovingAverage";
    this.params = checkParams(where, params);
    const { decay, warmup } = checkEmaOptions(where, options);
    this.decay = decay;
    this.warmup = warmup;
    this.averageArrays = this.params.map((param) =>
      Float64Array.from(param.data),
    );
  }

  /** Updates since construction (n). */
  get numUpdates(): number {
    return this.updates;
  }

  /** The averages, one float64 array per parameter. Read them; do not modify them. */
  get averages(): readonly Float64Array[] {
    return this.averageArrays;
  }

  /**
   * Moves every average towards the parameter's current value.
   * @throws Error while the averages are applied (call `restore()` first).
   * @throws TypeError when a parameter's length changed since construction.
   */
  update(): void {
    this.checkNotApplied("update");
    this.checkLengths("ExponentialMovingAverage.update", this.params);
    this.updates += 1;
    const n = this.updates;
    const beta = this.warmup
      ? Math.min(this.decay, (1 + n) / (10 + n))
      : this.decay;
    this.params.forEach((param, p) => {
      const theta = param.data;
      const a = this.averageArrays[p];
      for (let i = 0; i < a.length; i++) a[i] += (1 - beta) * (theta[i] - a[i]);
    });
  }

  /**
   * Writes the averages into the parameters, keeping their current values for `restore()`.
   * @throws Error if the averages are already applied.
   */
  applyTo(): void {
    this.checkNotApplied("applyTo");
    this.checkLengths("ExponentialMovingAverage.applyTo", this.params);
    this.backup = this.params.map((param) => Float64Array.from(param.data));
    this.copyTo(this.params);
  }

  /**
   * Puts back the values that `applyTo()` replaced.
   * @throws Error if the averages are not applied.
   */
  restore(): void {
    if (this.backup === null) {
      throw new Error(
        "ExponentialMovingAverage.restore: the averages are not applied, so there is nothing to restore. Call applyTo() first.",
      );
    }
    this.params.forEach((param, p) =>
      param.data.set((this.backup as Float64Array[])[p]),
    );
    this.backup = null;
  }

  /**
   * Writes the averages into other parameters of the same shapes, such as an
   * evaluation copy of the model.
   * @throws TypeError when `targets` differ in number or length from the averaged parameters.
   */
  copyTo(targets: readonly Parameter[]): void {
    const where = "ExponentialMovingAverage.copyTo";
    checkParams(where, targets);
    if (targets.length !== this.params.length) {
      throw new TypeError(
        `${where}: got ${targets.length} targets for ${this.params.length} averaged parameters. Pass one target per parameter, in the same order.`,
      );
    }
    this.checkLengths(where, targets);
    targets.forEach((target, p) => target.data.set(this.averageArrays[p]));
  }

  /** Returns the state as a JSON-safe object; the averages are stored bit-exactly. */
  stateDict(): ExponentialMovingAverageStateDict {
    return {
      format: FORMAT,
      version: VERSION,
      decay: this.decay,
      warmup: this.warmup,
      numUpdates: this.updates,
      averages: this.averageArrays.map((a) => encodeArray(a)),
    };
  }

  /**
   * Replaces the state with a saved one. Everything is checked before anything is replaced.
   * @throws StateDictError for a dict of another format or version, or one saved for other parameters.
   * @throws Error while the averages are applied.
   */
  loadStateDict(dict: ExponentialMovingAverageStateDict): void {
    const where = "ExponentialMovingAverage.loadStateDict";
    this.checkNotApplied("loadStateDict");
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
    let options = { decay: 0, warmup: false };
    try {
      options = checkEmaOptions(where, {
        decay: dict.decay,
        warmup: dict.warmup,
      });
    } catch (error) {
      fail(
        `its options are invalid: ${(error as Error).message}`,
        "Save the state again",
      );
    }
    // Beyond 2^53 − 1, adding 1 no longer changes the count.
    if (!Number.isSafeInteger(dict.numUpdates) || dict.numUpdates < 0) {
      fail(
        `numUpdates must be an integer in [0, ${Number.MAX_SAFE_INTEGER}], got ${describeValue(dict.numUpdates)}`,
        "Pass what stateDict() returned",
      );
    }
    const averages = decodeFloat64PerParameter(
      dict.averages,
      this.params.map((param) => param.data.length),
      { what: "averages", owner: "average", allowNull: false },
      fail,
    ) as Float64Array[];

    this.decay = options.decay;
    this.warmup = options.warmup;
    this.updates = dict.numUpdates;
    this.averageArrays = averages;
  }

  private checkNotApplied(method: string): void {
    if (this.backup !== null) {
      throw new Error(
        `ExponentialMovingAverage.${method}: the averages are applied to the parameters. Call restore() first to put the training weights back.`,
      );
    }
  }

  private checkLengths(where: string, params: readonly Parameter[]): void {
    params.forEach((param, p) => {
      const expected = this.averageArrays[p].length;
      if (param.data.length !== expected) {
        throw new TypeError(
          `${where}: parameter ${param.name ? `"${param.name}"` : p} has ${param.data.length} elements but its average has ${expected}. ` +
            `Keep a parameter's length fixed, or build a new average for the resized parameter.`,
        );
      }
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
  });
  return [...params];
}

function checkEmaOptions(
  where: string,
  options: ExponentialMovingAverageOptions,
): { decay: number; warmup: boolean } {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where}: options must be an object, got ${describeValue(options)}. Pass { decay: 0.999 }.`,
    );
  }
  const { decay = 0.999, warmup = false, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw new TypeError(
      `${where}: unknown option "${unknown}". Valid options: decay, warmup.`,
    );
  }
  checkOption(where, "decay", DECAY_SPEC, decay);
  checkOption(where, "warmup", WARMUP_SPEC, warmup);
  return { decay, warmup };
}
