/**
 * Option specs and checks for the schedulers. Numbers and booleans go through
 * core's `checkOption`, so every message has the same shape: where, what must
 * hold, what was given, and how to fix it.
 */
import {
  type BooleanOptionSpec,
  type NumberOptionSpec,
  checkOption,
  describeRange,
  describeValue,
} from "../../core/validation.js";

/** One of a fixed set of strings, such as ReduceLROnPlateau's `mode`. */
export interface ChoiceOptionSpec {
  type: "choice";
  default: string;
  choices: readonly string[];
  description: string;
}

/** A number ≥ `min`, or an array of such numbers with one entry per parameter group. */
export interface PerGroupOptionSpec {
  type: "perGroup";
  /** Default value; `undefined` marks a required option. */
  default: number | undefined;
  min: number;
  example: number;
  description: string;
}

/** An array of integers ≥ `min`, such as MultiStepLR's `milestones`. */
export interface IntegersOptionSpec {
  type: "integers";
  min: number;
  /** Require each entry to be larger than the one before. */
  increasing: boolean;
  example: readonly number[];
  description: string;
}

/** A function, or with `perGroup` an array of functions with one per parameter group. */
export interface FunctionOptionSpec {
  type: "function";
  required: boolean;
  perGroup: boolean;
  description: string;
}

/** A non-empty array of inner schedulers; SequentialLR and ChainedScheduler check each entry. */
export interface SchedulerListOptionSpec {
  type: "schedulers";
  description: string;
}

/** A number that may be left out; `undefined` then stands for a documented fallback. */
export interface OptionalNumberOptionSpec extends Omit<NumberOptionSpec, "type" | "default"> {
  type: "optionalNumber";
}

/** The spec of one scheduler option: core's number and boolean specs, or one of the kinds above. */
export type SchedulerOptionSpec =
  | NumberOptionSpec
  | BooleanOptionSpec
  | ChoiceOptionSpec
  | PerGroupOptionSpec
  | IntegersOptionSpec
  | FunctionOptionSpec
  | SchedulerListOptionSpec
  | OptionalNumberOptionSpec;

/** A scheduler's option specs by option name. */
export type SchedulerOptionSpecs = Readonly<Record<string, SchedulerOptionSpec>>;

/** PyTorch arguments that descent leaves out, with what to do instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  lastEpoch:
    "lastEpoch is not supported; to resume a run, load the optimizer's and the scheduler's stateDict()",
  last_epoch:
    "lastEpoch is not supported; to resume a run, load the optimizer's and the scheduler's stateDict()",
  verbose: "verbose is not supported; read getLastLr() after each step instead",
};

/** Converts a PyTorch argument name such as `T_max` or `step_size` to camelCase. */
function camelCase(name: string): string {
  const [first, ...rest] = name.split("_");
  const head = first.length === 1 ? first.toLowerCase() : first;
  return head + rest.map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("");
}

/**
 * Rejects names that `specs` does not list, naming the valid ones and, for a
 * PyTorch spelling such as `step_size`, the camelCase name to use.
 * @throws TypeError on the first unknown or unsupported name.
 */
export function checkSchedulerOptionNames(
  where: string,
  specs: SchedulerOptionSpecs,
  given: Readonly<Record<string, unknown>>,
): void {
  for (const name of Object.keys(given)) {
    // Not `in`, because every object inherits names such as "constructor"
    // and "__proto__", and those must not pass as options.
    if (Object.hasOwn(specs, name)) continue;
    if (Object.hasOwn(UNSUPPORTED, name)) throw new TypeError(`${where}: ${UNSUPPORTED[name]}.`);
    const camel = camelCase(name);
    const hint =
      camel !== name && Object.hasOwn(specs, camel)
        ? ` Use ${camel} instead.`
        : ` Valid options: ${Object.keys(specs).join(", ") || "none"}.`;
    throw new TypeError(`${where}: unknown option "${name}".${hint}`);
  }
}

/**
 * Fills in defaults and checks every option of `specs`. Per-group options come
 * back as arrays with one entry per group; an optional number left out stays
 * `undefined`.
 * @throws TypeError for an unknown name, a wrong type or length, or a missing required option.
 * @throws RangeError for a value out of range or not among the choices.
 */
export function resolveSchedulerOptions(
  where: string,
  specs: SchedulerOptionSpecs,
  given: Readonly<Record<string, unknown>>,
  groupCount: number,
): Record<string, unknown> {
  checkSchedulerOptionNames(where, specs, given);
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    resolved[name] = resolveOne(where, name, spec, given[name], groupCount);
  }
  return resolved;
}

function resolveOne(
  where: string,
  name: string,
  spec: SchedulerOptionSpec,
  given: unknown,
  groupCount: number,
): unknown {
  switch (spec.type) {
    case "boolean": {
      const value = given ?? spec.default;
      checkOption(where, name, spec, value);
      return value;
    }
    case "number": {
      const value = given ?? spec.default;
      if (value === undefined) missing(where, name, describeRange(spec), `Try ${name}: ${spec.example}.`);
      checkOption(where, name, spec, value);
      return value;
    }
    case "optionalNumber":
      if (given === undefined) return undefined;
      checkOption(where, name, { ...spec, type: "number", default: undefined }, given);
      return given;
    case "choice":
      return checkChoice(where, name, spec, given ?? spec.default);
    case "perGroup":
      return checkPerGroup(where, name, spec, given ?? spec.default, groupCount);
    case "integers":
      return checkIntegers(where, name, spec, given);
    case "function":
      return checkFunction(where, name, spec, given, groupCount);
    case "schedulers":
      if (!Array.isArray(given) || given.length === 0) {
        const expected = "a non-empty array of schedulers built on the same optimizer";
        if (given === undefined) missing(where, name, expected, `Pass ${name}: [warmup, decay].`);
        throw new TypeError(`${where}: ${name} must be ${expected}, got ${describeValue(given)}. Pass ${name}: [warmup, decay].`);
      }
      return [...given];
  }
}

function missing(where: string, name: string, expected: string, fix: string): never {
  throw new TypeError(`${where}: option ${name} is required and must be ${expected}. ${fix}`);
}

function checkChoice(where: string, name: string, spec: ChoiceOptionSpec, value: unknown): string {
  const expected = `one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}`;
  const message = `${where}: ${name} must be ${expected}, got ${describeValue(value)}. Try ${name}: ${JSON.stringify(spec.default)}.`;
  if (typeof value !== "string") throw new TypeError(message);
  if (!spec.choices.includes(value)) throw new RangeError(message);
  return value;
}

/** Expands a number or a per-group array into one checked number per group. */
function checkPerGroup(
  where: string,
  name: string,
  spec: PerGroupOptionSpec,
  value: unknown,
  groupCount: number,
): number[] {
  const numberSpec: NumberOptionSpec = { ...spec, type: "number" };
  const expected = `${describeRange(numberSpec)}, or an array of ${groupCount} such numbers (one per parameter group)`;
  if (value === undefined) missing(where, name, expected, `Try ${name}: ${spec.example}.`);
  if (!Array.isArray(value)) {
    checkOption(where, name, numberSpec, value);
    return new Array<number>(groupCount).fill(value as number);
  }
  if (value.length !== groupCount) {
    throw new TypeError(
      `${where}: ${name} must be ${expected}, got an array of ${value.length}. ` +
        `Give one value per parameter group, or a single number for all of them.`,
    );
  }
  value.forEach((entry, g) => checkOption(where, `${name}[${g}]`, numberSpec, entry));
  return [...(value as number[])];
}

function checkIntegers(where: string, name: string, spec: IntegersOptionSpec, value: unknown): number[] {
  const order = spec.increasing ? ", each larger than the one before" : "";
  const expected = `an array of integers >= ${spec.min}${order}`;
  const fix = `Try ${name}: [${spec.example.join(", ")}].`;
  if (value === undefined) missing(where, name, expected, fix);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "number")) {
    throw new TypeError(`${where}: ${name} must be ${expected}, got ${describeValue(value)}. ${fix}`);
  }
  const bad = value.findIndex(
    (v: number, i) => !Number.isInteger(v) || v < spec.min || (spec.increasing && i > 0 && v <= value[i - 1]),
  );
  if (bad >= 0) {
    throw new RangeError(
      `${where}: ${name} must be ${expected}, got ${describeValue(value)} (entry ${bad} is ${value[bad]}). ${fix}`,
    );
  }
  return [...(value as number[])];
}

function checkFunction(
  where: string,
  name: string,
  spec: FunctionOptionSpec,
  value: unknown,
  groupCount: number,
): unknown {
  const expected = spec.perGroup
    ? `a function, or an array of ${groupCount} functions (one per parameter group)`
    : "a function";
  if (value === undefined) {
    if (spec.required) missing(where, name, expected, `Pass ${name}: (k) => ..., a function of the step count k.`);
    return undefined;
  }
  if (typeof value === "function") return spec.perGroup ? new Array(groupCount).fill(value) : value;
  const isList = spec.perGroup && Array.isArray(value) && value.every((f) => typeof f === "function");
  if (isList && (value as unknown[]).length === groupCount) return [...(value as unknown[])];
  const got = isList ? `an array of ${(value as unknown[]).length} functions` : describeValue(value);
  throw new TypeError(`${where}: ${name} must be ${expected}, got ${got}. Pass ${name}: (k) => ..., a function of the step count k.`);
}
