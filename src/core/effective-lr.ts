import { Optimizer, type ParamGroup, type ParamState } from "./optimizer.js";
import type { BaseOptions } from "./optimizer.js";
import { checkOption, describeValue } from "./validation.js";

type Group = ParamGroup<BaseOptions> & Record<string, unknown>;

/**
 * Returns the per-element step size of one parameter at its last step: the
 * factor that multiplies the gradient (SGD, Adagrad, Adadelta, RMSprop
 * without momentum), the bias-corrected first moment m̂ (Adam, AdamW, Adamax,
 * NAdam, RAdam), or the raw first moment m (AdaBound's clipped ŝ).
 * Returns NaN for an element that has never had a non-zero gradient, whose
 * rate (η/ε for Adam, say) means nothing because it never moves.
 */
function stepSizeAt(
  algorithm: string,
  state: ParamState,
  group: Group,
  i: number,
): number {
  const t = state.step;
  const lr = group.lr;
  const b = state.buffers;
  const betas = group.betas as [number, number] | undefined;
  switch (algorithm) {
    case "adagrad":
      if (b.sum[i] === 0) return Number.NaN;
      return (
        lr /
        (1 + (t - 1) * (group.lrDecay as number)) /
        (Math.sqrt(b.sum[i]) + (group.eps as number))
      );
    case "adadelta":
      if (b.v[i] === 0) return Number.NaN;
      return (
        (lr * Math.sqrt(b.u[i] + (group.eps as number))) /
        Math.sqrt(b.v[i] + (group.eps as number))
      );
    case "rmsprop":
      if (b.v[i] === 0) return Number.NaN;
      return lr / (Math.sqrt(b.v[i]) + (group.eps as number));
    case "adam":
    case "adamw": {
      const [, beta2] = betas as [number, number];
      const v = group.amsgrad && b.vMax ? b.vMax[i] : b.v[i];
      if (v === 0) return Number.NaN;
      return lr / (Math.sqrt(v / (1 - beta2 ** t)) + (group.eps as number));
    }
    case "adamax": {
      if (b.m[i] === 0) return Number.NaN;
      return lr / b.u[i];
    }
    case "nadam": {
      const [, beta2] = betas as [number, number];
      if (b.v[i] === 0) return Number.NaN;
      return (
        lr / (Math.sqrt(b.v[i] / (1 - beta2 ** t)) + (group.eps as number))
      );
    }
    case "radam": {
      const [, beta2] = betas as [number, number];
      if (b.v[i] === 0) return Number.NaN;
      const c2 = 1 - beta2 ** t;
      const rhoInf = 2 / (1 - beta2) - 1;
      const rhoT = rhoInf - (2 * t * beta2 ** t) / c2;
      if (rhoT <= 5) return lr;
      const r = Math.sqrt(
        ((rhoT - 4) * (rhoT - 2) * rhoInf) /
          ((rhoInf - 4) * (rhoInf - 2) * rhoT),
      );
      return (
        (lr * r * Math.sqrt(c2)) / (Math.sqrt(b.v[i]) + (group.eps as number))
      );
    }
    case "adabound":
    case "amsbound":
    case "adaboundw": {
      const [beta1, beta2] = betas as [number, number];
      const gamma = group.gamma as number;
      const v = group.amsbound && b.vMax ? b.vMax[i] : b.v[i];
      if (v === 0) return Number.NaN;
      const raw =
        (lr * Math.sqrt(1 - beta2 ** t)) /
        (1 - beta1 ** t) /
        (Math.sqrt(v) + (group.eps as number));
      const boundLr =
        ((group.finalLr as number) * lr) / (group.lrAtConstruction as number);
      const lower = boundLr * (1 - 1 / (gamma * t + 1));
      const upper = boundLr * (1 + 1 / (gamma * t));
      return Math.min(Math.max(raw, lower), upper);
    }
    default:
      return lr;
  }
}

/** Summary of the per-element step sizes over every parameter that has stepped. */
export interface EffectiveLrSummary {
  median: number;
  min: number;
  max: number;
  /** 10th percentile, which a few near-idle elements cannot drag as they do `min`. */
  p10: number;
  /** 90th percentile, which a few near-idle elements cannot drag as they do `max`. */
  p90: number;
  /** Number of elements summarised. */
  count: number;
}

/**
 * Summarises the effective learning rate of every element of every parameter
 * that has had a non-zero gradient, at its last step: η for SGD, η/(√s + ε)
 * for Adagrad, the clipped step size for AdaBound, and so on (the factor that
 * multiplies the gradient or the first moment). Adaptive methods differ from SGD here: Adagrad's median falls
 * towards zero over a run, AdaBound's is squeezed towards `finalLr`.
 *
 * @param sampleLimit At most this many elements are read, evenly spaced, so
 *   the cost stays small for large models. Default 100,000.
 * @returns `undefined` before any parameter has stepped, or while every
 *   element has had only zero gradients.
 * @throws TypeError if `optimizer` is not a descent optimizer, TypeError or
 *   RangeError unless `sampleLimit` is an integer >= 1.
 */
export function effectiveLearningRate(
  optimizer: Optimizer,
  sampleLimit = 100_000,
): EffectiveLrSummary | undefined {
  const where = "effectiveLearningRate";
  if (!(optimizer instanceof Optimizer)) {
    throw new TypeError(
      `${where}: optimizer must be a descent Optimizer such as Adam, got ${describeValue(optimizer)}. ` +
        `Pass the optimizer whose steps to summarise; for the TF.js adapter, pass its core.`,
    );
  }
  checkOption(
    where,
    "sampleLimit",
    {
      type: "number",
      default: 100_000,
      min: 1,
      integer: true,
      example: 100_000,
      description: "elements read at most",
    },
    sampleLimit,
  );
  const entries: Array<[ParamState, Group, number]> = [];
  let total = 0;
  for (const group of optimizer.paramGroups) {
    for (const param of group.params) {
      const state = optimizer.state.get(param);
      if (state === undefined || state.step === 0) continue;
      // A parameter may lend its elements out between steps (the TF.js adapter
      // empties data), so the length comes from the state where there is one.
      const length =
        Object.values(state.buffers)[0]?.length ??
        Math.max(param.data.length, 1);
      entries.push([state, group as Group, length]);
      total += length;
    }
  }
  if (total === 0) return undefined;

  const stride = Math.max(1, Math.floor(total / sampleLimit));
  const values: number[] = [];
  let offset = 0;
  for (const [state, group, length] of entries) {
    for (
      let i = (stride - (offset % stride)) % stride;
      i < length;
      i += stride
    ) {
      const value = stepSizeAt(optimizer.algorithm, state, group, i);
      if (!Number.isNaN(value)) values.push(value);
    }
    offset += length;
  }
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return {
    median: quantile(values, 0.5),
    min: values[0],
    max: values[values.length - 1],
    p10: quantile(values, 0.1),
    p90: quantile(values, 0.9),
    count: values.length,
  };
}

/** Returns the q-quantile of sorted `values`, interpolating linearly between ranks. */
function quantile(values: readonly number[], q: number): number {
  const rank = q * (values.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, values.length - 1);
  return values[below] + (rank - below) * (values[above] - values[below]);
}
