import { type FloatArray, Parameter, checkGradMatches } from "./parameter.js";
import { checkOption, describeValue } from "./validation.js";

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Largest allowed total norm; a finite number >= 0. Required. */
  maxNorm: number;
  /** The p of the p-norm: a number > 0, or `Infinity` for the largest magnitude. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or ±Infinity, leaving the gradients as they are. Default false. */
  errorIfNonfinite?: boolean;
}

/** Options of {@link clipGradValue}. */
export interface ClipGradValueOptions {
  /** Largest allowed magnitude of a gradient element; a finite number >= 0. Required. */
  clipValue: number;
}

/**
 * The term added to the total norm before dividing, as in PyTorch 1.13. It
 * keeps the coefficient finite for a zero norm and makes clipping start
 * slightly below `maxNorm`.
 */
const NORM_EPSILON = 1e-6;

/**
 * Scales the gradients of `params` together so that their total p-norm is at
 * most `maxNorm`, and returns the total norm before scaling.
 *
 * ```text
 * nᵢ    = (Σ |g|^p)^(1/p) over the elements of gradient i     (p = ∞: max |g|)
 * total = (Σ nᵢ^p)^(1/p) over the gradients                   (p = ∞: max nᵢ)
 * c     = min(maxNorm / (total + 1e-6), 1)
 * g     ← c·g  for every element of every gradient
 * ```
 *
 * Parameters whose `grad` is `null` are left out. The sums are plain float64
 * sums without rescaling, as in PyTorch: a 2-norm whose squares overflow
 * float64 (gradients of about 1e155 and above) is Infinity even though every
 * gradient is finite. A NaN anywhere makes the total NaN, for every p. A total
 * of Infinity gives c = 0, so finite gradients become zeros and infinite ones
 * NaN; a total of NaN makes every gradient NaN. Set `errorIfNonfinite` to
 * throw instead. Every gradient is multiplied by c, even when c = 1.
 *
 * Options: `maxNorm` (required, finite, >= 0), `normType` p (2; > 0 or
 * Infinity), `errorIfNonfinite` (false).
 *
 * @param params The parameters whose gradients are clipped, or one parameter.
 * @returns The total norm of the gradients before clipping; 0 when no
 *   parameter has a gradient.
 * @throws TypeError for a wrong option type, an entry that is not a
 *   Parameter, or a gradient that does not match its data.
 * @throws RangeError for an option out of range, or with `errorIfNonfinite`
 *   when the total norm is NaN or ±Infinity. Every check runs before any
 *   gradient changes.
 * @remarks Follows PyTorch 1.13's `torch.nn.utils.clip_grad_norm_`.
 *   PyTorch also accepts a negative `maxNorm` (which flips the gradients'
 *   signs) and a `normType` of 0 or below; descent rejects them. Norms are
 *   computed in float64 even for Float32Array gradients.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(2), { grad: new Float64Array([3, 4]) });
 * const norm = clipGradNorm([w], { maxNorm: 1 }); // 5
 * // w.grad is now about [0.6, 0.8]
 * ```
 * @see PyTorch 1.13 `clip_grad_norm_`: https://pytorch.org/docs/1.13/generated/torch.nn.utils.clip_grad_norm_.html
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013. https://arxiv.org/abs/1211.5063
 */
export function clipGradNorm(
  params: Parameter | readonly Parameter[],
  options: ClipGradNormOptions,
): number {
  const where = "clipGradNorm";
  const {
    maxNorm,
    normType = 2,
    errorIfNonfinite = false,
  } = checkOptionsObject(where, options, [
    "maxNorm",
    "normType",
    "errorIfNonfinite",
  ]);
  checkOption(
    where,
    "maxNorm",
    { type: "number", default: undefined, min: 0, example: 1, description: "" },
    maxNorm,
  );
  checkNormType(normType);
  checkOption(
    where,
    "errorIfNonfinite",
    { type: "boolean", default: false, description: "" },
    errorIfNonfinite,
  );
  const grads = gradientsOf(where, params);
  if (grads.length === 0) return 0;

  const total = totalNorm(grads, normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(
      `${where}: the total ${normType}-norm of the gradients is ${total}, and errorIfNonfinite is set; ` +
        `the gradients were left unchanged. Find where the loss or gradient overflows, ` +
        `or pass errorIfNonfinite: false to scale them anyway.`,
    );
  }

  // Math.min would turn a NaN coefficient into NaN as well, but spell it out:
  // a NaN total must make every gradient NaN, as in PyTorch.
  const coefficient = maxNorm / (total + NORM_EPSILON);
  const c = Number.isNaN(coefficient) ? NaN : Math.min(coefficient, 1);
  for (const grad of grads) {
    for (let i = 0; i < grad.length; i++) grad[i] *= c;
  }
  return total;
}

/**
 * Clamps every element of the gradients of `params` to [−clipValue, clipValue].
 *
 * ```text
 * g ← min(max(g, −clipValue), clipValue)
 * ```
 *
 * NaN stays NaN; ±Infinity becomes ±clipValue. Parameters whose `grad` is
 * `null` are left out.
 *
 * Options: `clipValue` (required, finite, >= 0).
 *
 * @param params The parameters whose gradients are clipped, or one parameter.
 * @throws TypeError for a wrong option type, an entry that is not a
 *   Parameter, or a gradient that does not match its data.
 * @throws RangeError for a `clipValue` that is negative or not finite. Every
 *   check runs before any gradient changes.
 * @remarks Follows PyTorch 1.13's `torch.nn.utils.clip_grad_value_`, which
 *   also accepts a negative clipValue (every element then becomes clipValue);
 *   descent rejects it.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(3), { grad: new Float64Array([-2, 0.5, 9]) });
 * clipGradValue([w], { clipValue: 1 });
 * // w.grad is now [-1, 0.5, 1]
 * ```
 * @see PyTorch 1.13 `clip_grad_value_`: https://pytorch.org/docs/1.13/generated/torch.nn.utils.clip_grad_value_.html
 */
export function clipGradValue(
  params: Parameter | readonly Parameter[],
  options: ClipGradValueOptions,
): void {
  const where = "clipGradValue";
  const { clipValue } = checkOptionsObject(where, options, ["clipValue"]);
  checkOption(
    where,
    "clipValue",
    { type: "number", default: undefined, min: 0, example: 1, description: "" },
    clipValue,
  );
  for (const grad of gradientsOf(where, params)) {
    for (let i = 0; i < grad.length; i++)
      grad[i] = Math.min(Math.max(grad[i], -clipValue), clipValue);
  }
}

/** Returns the p-norm of all gradients taken as one vector, without rescaling. */
function totalNorm(grads: readonly FloatArray[], p: number): number {
  if (p === Infinity) {
    // Math.max returns NaN if any argument is NaN, as the definition requires.
    return Math.max(...grads.map(maxMagnitude));
  }
  let sum = 0;
  for (const grad of grads) sum += tensorNorm(grad, p) ** p;
  return sum ** (1 / p);
}

function maxMagnitude(grad: FloatArray): number {
  let max = 0;
  for (let i = 0; i < grad.length; i++) max = Math.max(max, Math.abs(grad[i]));
  return max;
}

function tensorNorm(grad: FloatArray, p: number): number {
  let sum = 0;
  if (p === 1) {
    for (let i = 0; i < grad.length; i++) sum += Math.abs(grad[i]);
    return sum;
  }
  if (p === 2) {
    for (let i = 0; i < grad.length; i++) sum += grad[i] * grad[i];
    return Math.sqrt(sum);
  }
  for (let i = 0; i < grad.length; i++) sum += Math.abs(grad[i]) ** p;
  return sum ** (1 / p);
}

/** Checks that `options` is an object whose own keys are all in `names`. */
function checkOptionsObject<T extends object>(
  where: string,
  options: T,
  names: readonly string[],
): T {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where}: options must be an object, got ${describeValue(options)}. Pass them as { name: value }.`,
    );
  }
  for (const name of Object.keys(options)) {
    if (names.includes(name)) continue;
    // PyTorch's names, such as norm_type, in camelCase.
    const camel = name.replace(/_([a-z])/g, (_, letter: string) =>
      letter.toUpperCase(),
    );
    const hint = names.includes(camel)
      ? `Use ${camel} instead.`
      : `Valid options: ${names.join(", ")}.`;
    throw new TypeError(`${where}: unknown option "${name}". ${hint}`);
  }
  return options;
}

function checkNormType(normType: unknown): asserts normType is number {
  const message = (got: string) =>
    `clipGradNorm: normType must be a number > 0 or Infinity, got ${got}. Try normType: 2.`;
  if (typeof normType !== "number")
    throw new TypeError(message(describeValue(normType)));
  if (!(normType > 0)) throw new RangeError(message(String(normType)));
}

/** Returns the gradients to clip after checking every parameter; skips `null` gradients. */
function gradientsOf(
  where: string,
  params: Parameter | readonly Parameter[],
): FloatArray[] {
  const list = params instanceof Parameter ? [params] : params;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `${where}: params must be a Parameter or an array of Parameter, got ${describeValue(params)}. ` +
        `Pass the parameters whose gradients to clip.`,
    );
  }
  const grads: FloatArray[] = [];
  list.forEach((param: unknown, index) => {
    if (!(param instanceof Parameter)) {
      throw new TypeError(
        `${where}: params[${index}] must be a Parameter, got ${describeValue(param)}. Wrap arrays with new Parameter(data).`,
      );
    }
    if (param.grad === null) return;
    const label = param.name ? `"${param.name}"` : `${index}`;
    checkGradMatches(param.data, param.grad, `${where}: parameter ${label}`);
    grads.push(param.grad);
  });
  return grads;
}
