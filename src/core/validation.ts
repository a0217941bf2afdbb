/**
 * Option specifications and the messages for bad input. Every error that
 * core raises about an option is built here so the wording stays uniform:
 * where, what must hold, what was given, and how to fix it.
 */

/** A numeric option with its default and valid range. */
export interface NumberOptionSpec {
  type: "number";
  /** Default value; `undefined` marks a required option. */
  default: number | undefined;
  min?: number;
  max?: number;
  /** `min` itself is not allowed. */
  exclusiveMin?: boolean;
  /** `max` itself is not allowed. */
  exclusiveMax?: boolean;
  integer?: boolean;
  /** A typical valid value, suggested in error messages. */
  example: number;
  description: string;
}

/** A boolean option. */
export interface BooleanOptionSpec {
  type: "boolean";
  default: boolean;
  description: string;
}

/** The `[beta1, beta2]` pair of the Adam family; each coefficient in [0, 1). */
export interface BetasOptionSpec {
  type: "betas";
  default: readonly [number, number];
  description: string;
}

export type OptionSpec = NumberOptionSpec | BooleanOptionSpec | BetasOptionSpec;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Raised when a state dict cannot be loaded into an optimizer or scheduler. */
export class StateDictError extends Error {
  override name = "StateDictError";
}

/** Formats a value for an error message: numbers and strings as written, other things by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) {
    const length =
      (value as unknown as { length?: number }).length ?? value.byteLength;
    return `${value.constructor.name}(${length})`;
  }
  if (Array.isArray(value)) {
    const shown = value.slice(0, 4).map(describeValue).join(", ");
    return `[${shown}${value.length > 4 ? ", ..." : ""}]`;
  }
  if (typeof value === "function") return "a function";
  return `an object (${value.constructor?.name ?? "Object"})`;
}

/** States the valid range of an option in words, e.g. "a number in [0, 1)". */
export function describeRange(spec: OptionSpec): string {
  if (spec.type === "boolean") return "true or false";
  if (spec.type === "betas") return "a pair [beta1, beta2] with each in [0, 1)";
  const kind = spec.integer ? "an integer" : "a number";
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) {
    const open = spec.exclusiveMin ? "(" : "[";
    const close = spec.exclusiveMax ? ")" : "]";
    return `${kind} in ${open}${min}, ${max}${close}`;
  }
  if (min !== undefined)
    return `${kind} ${spec.exclusiveMin ? ">" : ">="} ${min}`;
  if (max !== undefined)
    return `${kind} ${spec.exclusiveMax ? "<" : "<="} ${max}`;
  return `a finite ${kind.replace(/^an? /, "")}`;
}

/** Tells whether `value` is a number that `spec` accepts. */
export function isInRange(spec: NumberOptionSpec, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (spec.integer && !Number.isInteger(value)) return false;
  if (
    spec.min !== undefined &&
    (spec.exclusiveMin ? value <= spec.min : value < spec.min)
  ) {
    return false;
  }
  if (
    spec.max !== undefined &&
    (spec.exclusiveMax ? value >= spec.max : value > spec.max)
  ) {
    return false;
  }
  return true;
}

function suggestion(name: string, spec: OptionSpec): string {
  if (spec.type === "boolean") return `Pass ${name}: true or ${name}: false.`;
  if (spec.type === "betas")
    return `Try ${name}: [${spec.default.join(", ")}].`;
  return `Try ${name}: ${spec.default ?? spec.example}.`;
}

/**
 * Checks one option value against its spec.
 * @throws TypeError for a value of the wrong type, RangeError for one out of range.
 */
export function checkOption(
  where: string,
  name: string,
  spec: OptionSpec,
  value: unknown,
): void {
  const expected = describeRange(spec);
  const got = describeValue(value);
  const fix = suggestion(name, spec);
  if (spec.type === "boolean") {
    if (typeof value !== "boolean") {
      throw new TypeError(
        `${where}: ${name} must be ${expected}, got ${got}. ${fix}`,
      );
    }
    return;
  }
  if (spec.type === "betas") {
    // Indexed reads rather than every(), which skips the holes of [, 0.999].
    const isPair =
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "number" &&
      typeof value[1] === "number";
    if (!isPair) {
      throw new TypeError(
        `${where}: ${name} must be ${expected}, got ${got}. ${fix}`,
      );
    }
    if (!value.every((b: number) => Number.isFinite(b) && b >= 0 && b < 1)) {
      throw new RangeError(
        `${where}: ${name} must be ${expected}, got ${got}. ${fix}`,
      );
    }
    return;
  }
  if (typeof value !== "number") {
    throw new TypeError(
      `${where}: ${name} must be ${expected}, got ${got}. ${fix}`,
    );
  }
  if (!isInRange(spec, value)) {
    throw new RangeError(
      `${where}: ${name} must be ${expected}, got ${got}. ${fix}`,
    );
  }
}

/** Names users bring from PyTorch or TensorFlow.js, mapped to descent's option names. */
const FAMILIAR_NAMES: Readonly<Record<string, string>> = {
  learningRate: "lr",
  learning_rate: "lr",
  epsilon: "eps",
  beta1: "betas",
  beta2: "betas",
  decay: "rho",
  useNesterov: "nesterov",
  weight_decay: "weightDecay",
  lr_decay: "lrDecay",
  initial_accumulator_value: "initialAccumulatorValue",
  initialAccumulatorValue: "initialAccumulatorValue",
  momentum_decay: "momentumDecay",
  final_lr: "finalLr",
};

/**
 * Rejects option names that `specs` does not list, naming the valid ones
 * and, for a familiar name from PyTorch or TensorFlow.js, the one to use.
 * @throws TypeError on the first unknown name.
 */
export function checkOptionNames(
  where: string,
  specs: OptionSpecs,
  given: Readonly<Record<string, unknown>>,
  extraNames: readonly string[] = [],
): void {
  const valid = Object.keys(specs);
  for (const name of Object.keys(given)) {
    // Not `in`, because every object inherits names such as "constructor"
    // and "__proto__", and those must not pass as options.
    if (Object.hasOwn(specs, name) || extraNames.includes(name)) continue;
    const familiar = Object.hasOwn(FAMILIAR_NAMES, name)
      ? FAMILIAR_NAMES[name]
      : undefined;
    const hint =
      familiar && Object.hasOwn(specs, familiar)
        ? ` Use ${familiar} instead.`
        : ` Valid options: ${valid.join(", ")}.`;
    throw new TypeError(`${where}: unknown option "${name}".${hint}`);
  }
}

/**
 * Checks that an optimizer's `options` argument is a plain object.
 * @throws TypeError naming what was given and showing an object with `lr`.
 */
export function checkOptionsObject(
  where: string,
  specs: OptionSpecs,
  options: unknown,
): asserts options is Record<string, unknown> {
  if (
    options !== null &&
    typeof options === "object" &&
    !Array.isArray(options)
  ) {
    return;
  }
  const lr = specs.lr;
  const example = lr?.type === "number" ? lr.example : 0.01;
  throw new TypeError(
    `${where}: options must be an object such as { lr: ${example} }, got ${describeValue(options)}. ` +
      `Pass the options as one object, or leave them out for the defaults.`,
  );
}

/**
 * Merges `given` over `base` (an optimizer's defaults, or each spec's default)
 * and checks every resulting value, so the returned object is complete and valid.
 * @throws TypeError for an unknown name, a wrong type or a missing required option.
 * @throws RangeError for a value out of range.
 */
export function resolveOptions(
  where: string,
  specs: OptionSpecs,
  given: Readonly<Record<string, unknown>>,
  base?: Readonly<Record<string, unknown>>,
  extraNames: readonly string[] = [],
): Record<string, unknown> {
  checkOptionNames(where, specs, given, extraNames);
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let value = given[name] !== undefined ? given[name] : base?.[name];
    if (value === undefined) value = spec.default;
    if (value === undefined) {
      throw new TypeError(
        `${where}: option ${name} is required and must be ${describeRange(spec)}. ` +
          `${suggestion(name, spec)}`,
      );
    }
    checkOption(where, name, spec, value);
    resolved[name] = spec.type === "betas" ? [...(value as number[])] : value;
  }
  return resolved;
}

/** Raises a RangeError for a combination of options that cannot work together. */
export function invalidCombination(
  where: string,
  problem: string,
  fix: string,
): never {
  throw new RangeError(`${where}: ${problem}. ${fix}`);
}
