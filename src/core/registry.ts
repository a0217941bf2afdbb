import type {
  Optimizer,
  OptimizerSettings,
  ParamGroupInput,
} from "./optimizer.js";
import type { Parameter } from "./parameter.js";
import {
  type OptionSpec,
  type OptionSpecs,
  describeRange,
  checkOptionNames,
  checkOptionsObject,
} from "./validation.js";
import { SGD, type SGDOptions } from "./algorithms/sgd.js";
import { Adagrad, type AdagradOptions } from "./algorithms/adagrad.js";
import { Adadelta, type AdadeltaOptions } from "./algorithms/adadelta.js";
import { RMSprop, type RMSpropOptions } from "./algorithms/rmsprop.js";
import { Adam, AdamW, type AdamOptions } from "./algorithms/adam.js";
import { Adamax, type AdamaxOptions } from "./algorithms/adamax.js";
import { NAdam, type NAdamOptions } from "./algorithms/nadam.js";
import { RAdam, type RAdamOptions } from "./algorithms/radam.js";
import {
  AdaBound,
  AdaBoundW,
  AMSBound,
  type AdaBoundOptions,
} from "./algorithms/adabound.js";

type Params =
  readonly Parameter[] | readonly ParamGroupInput<Record<string, unknown>>[];
type OptimizerClass = {
  new (params: Params, options: Record<string, unknown>): Optimizer<never>;
  readonly specs: OptionSpecs;
};

/** One option of an algorithm, as {@link algorithms} lists it. */
export interface OptionInfo {
  name: string;
  type: OptionSpec["type"];
  /** Default value; `undefined` when the option is required. */
  default: unknown;
  /** The valid range in words, e.g. "a number in [0, 1)". */
  range: string;
  description: string;
}

/** An entry of {@link algorithms}: a name {@link createOptimizer} accepts. */
export interface AlgorithmInfo {
  name: string;
  /** The class that implements it. */
  className: string;
  summary: string;
  /** For an alias: the algorithm it presets and the options it sets. */
  aliasOf?: { name: string; options: Readonly<Record<string, unknown>> };
  options: readonly OptionInfo[];
}

/** The options of each algorithm and alias, by the name {@link createOptimizer} takes. */
export interface AlgorithmOptionsByName {
  sgd: SGDOptions;
  momentum: SGDOptions;
  nesterov: SGDOptions;
  adagrad: AdagradOptions;
  adadelta: AdadeltaOptions;
  rmsprop: RMSpropOptions;
  adam: AdamOptions;
  amsgrad: AdamOptions;
  adamw: AdamOptions;
  adamax: AdamaxOptions;
  nadam: NAdamOptions;
  radam: RAdamOptions;
  adabound: AdaBoundOptions;
  amsbound: AdaBoundOptions;
  adaboundw: AdaBoundOptions;
}

/** A lowercase algorithm or alias name that {@link createOptimizer} takes. */
export type AlgorithmName = keyof AlgorithmOptionsByName;

/**
 * The options {@link createOptimizer} takes with `name`: the algorithm's
 * own options, each optional, for a lowercase name known at compile time,
 * so a misspelt option fails to type-check; any record for another string,
 * which is checked when the optimizer is built.
 */
export type OptionsFor<N extends string> = (N extends AlgorithmName
  ? Partial<AlgorithmOptionsByName[N]>
  : Record<string, unknown>) &
  OptimizerSettings;

interface Entry {
  cls: OptimizerClass;
  summary: string;
  aliasOf?: { name: string; options: Readonly<Record<string, unknown>> };
}

const ENTRIES: Readonly<Record<AlgorithmName, Entry>> = {
  sgd: {
    cls: SGD as unknown as OptimizerClass,
    summary:
      "stochastic gradient descent, with optional momentum, dampening and Nesterov momentum",
  },
  momentum: {
    cls: SGD as unknown as OptimizerClass,
    summary: "SGD with momentum 0.9",
    aliasOf: { name: "sgd", options: { momentum: 0.9 } },
  },
  nesterov: {
    cls: SGD as unknown as OptimizerClass,
    summary: "SGD with Nesterov momentum 0.9",
    aliasOf: { name: "sgd", options: { momentum: 0.9, nesterov: true } },
  },
  adagrad: {
    cls: Adagrad as unknown as OptimizerClass,
    summary: "per-coordinate rates from the sum of squared gradients",
  },
  adadelta: {
    cls: Adadelta as unknown as OptimizerClass,
    summary:
      "unit-corrected steps from running averages of squared gradients and updates",
  },
  rmsprop: {
    cls: RMSprop as unknown as OptimizerClass,
    summary:
      "gradient divided by a running root mean square, optionally centered, with momentum",
  },
  adam: {
    cls: Adam as unknown as OptimizerClass,
    summary: "running averages of the gradient and its square, bias-corrected",
  },
  amsgrad: {
    cls: Adam as unknown as OptimizerClass,
    summary: "Adam with the running maximum of the squared-gradient average",
    aliasOf: { name: "adam", options: { amsgrad: true } },
  },
  adamw: {
    cls: AdamW as unknown as OptimizerClass,
    summary: "Adam with weight decay decoupled from the gradient",
  },
  adamax: {
    cls: Adamax as unknown as OptimizerClass,
    summary: "Adam with an infinity-norm second moment",
  },
  nadam: {
    cls: NAdam as unknown as OptimizerClass,
    summary: "Adam with Nesterov momentum and Dozat's momentum schedule",
  },
  radam: {
    cls: RAdam as unknown as OptimizerClass,
    summary:
      "Adam with a rectified adaptive rate, plain momentum in early steps",
  },
  adabound: {
    cls: AdaBound as unknown as OptimizerClass,
    summary: "Adam with step sizes clipped into bounds that close in on SGD",
  },
  amsbound: {
    cls: AMSBound as unknown as OptimizerClass,
    summary: "AdaBound with AMSGrad's maximum of the squared-gradient average",
  },
  adaboundw: {
    cls: AdaBoundW as unknown as OptimizerClass,
    summary: "AdaBound with decoupled weight decay",
  },
};

function describeOptions(
  specs: OptionSpecs,
  preset: Readonly<Record<string, unknown>>,
): OptionInfo[] {
  return Object.entries(specs).map(([name, spec]) => ({
    name,
    type: spec.type,
    default: name in preset ? preset[name] : spec.default,
    range: describeRange(spec),
    description: spec.description,
  }));
}

/**
 * Every name {@link createOptimizer} accepts, aliases included, with each
 * option's default, valid range and meaning.
 */
export const algorithms: readonly AlgorithmInfo[] = Object.entries(ENTRIES).map(
  ([name, entry]) => ({
    name,
    className: (entry.cls as unknown as { name: string }).name,
    summary: entry.summary,
    ...(entry.aliasOf ? { aliasOf: entry.aliasOf } : {}),
    options: describeOptions(entry.cls.specs, entry.aliasOf?.options ?? {}),
  }),
);

/** Names {@link createOptimizer} accepts. */
export const algorithmNames: readonly string[] = Object.keys(ENTRIES);

/** Tells whether `name` is an algorithm or alias {@link createOptimizer} accepts. */
export function isAlgorithmName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ENTRIES, name);
}

/**
 * Builds an optimizer by its lowercase name (`"adam"`, `"sgd"`, ...) or by an
 * alias that presets options (`"momentum"`, `"nesterov"`, `"amsgrad"`).
 * Options given explicitly override an alias's presets. With a lowercase
 * name written in the code, TypeScript checks the options against that
 * algorithm's ({@link OptionsFor}); other names are checked when called.
 *
 * @throws TypeError for an unknown name, listing the valid ones, or for an invalid option.
 * @example
 * ```ts
 * const w = new Parameter(new Float32Array(10));
 * const opt = createOptimizer("nesterov", [w], { lr: 0.01 });
 * ```
 */
export function createOptimizer<N extends string>(
  name: N,
  params: Params,
  options: OptionsFor<N> = {} as OptionsFor<N>,
): Optimizer {
  if (typeof name !== "string" || !isAlgorithmName(name.toLowerCase())) {
    throw new TypeError(
      `createOptimizer: unknown algorithm ${JSON.stringify(name)}. ` +
        `Valid names: ${algorithmNames.join(", ")}.`,
    );
  }
  const entry = ENTRIES[name.toLowerCase() as AlgorithmName];
  const where = `createOptimizer("${name}")`;
  checkOptionsObject(where, entry.cls.specs, options);
  checkOptionNames(where, entry.cls.specs, options, [
    "skipNonFinite",
    "onWarning",
  ]);
  const merged = { ...(entry.aliasOf?.options ?? {}), ...options };
  return new entry.cls(params, merged) as unknown as Optimizer;
}
