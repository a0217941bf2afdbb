import type * as tf from "@tensorflow/tfjs-core";

import { effectiveLearningRate } from "../core/index.js";
import { DescentOptimizer, createTfjsOptimizer } from "../tfjs/index.js";

/** Makes a training run's optimizer: descent's algorithm `name` as a tf.Optimizer. */
export function createOptimizer(
  name: string,
  options: Record<string, unknown>,
): tf.Optimizer {
  return createTfjsOptimizer(name, options);
}

/**
 * Returns the median effective learning rate of a descent optimizer over its
 * parameters' elements (see `effectiveLearningRate` in core), or undefined
 * for other optimizers and before the first step.
 */
export function medianEffectiveLr(optimizer: tf.Optimizer): number | undefined {
  // Not instanceof: tf.Optimizer's Symbol.hasInstance (TF.js 4.22) returns
  // true for any object with minimize, computeGradients and applyGradients.
  if (
    !Object.prototype.isPrototypeOf.call(DescentOptimizer.prototype, optimizer)
  ) {
    return undefined;
  }
  return effectiveLearningRate((optimizer as DescentOptimizer).core)?.median;
}
