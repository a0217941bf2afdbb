import * as tf from "@tensorflow/tfjs-core";

/**
 * Makes the TF.js optimizer of a training run by name.
 *
 * TODO: delegate to descent's createTfjsOptimizer once src/tfjs exists;
 * until then only TF.js's own sgd and adam are available, and a resumed
 * adam run differs from an uninterrupted one in the last bits because
 * TF.js's AdamOptimizer.setWeights recomputes beta powers with pow().
 */
export function createOptimizer(
  name: string,
  options: Record<string, unknown>,
): tf.Optimizer {
  const lr = (options.lr as number | undefined) ?? 1e-3;
  if (name === "sgd") return tf.train.sgd(lr);
  if (name === "adam") return tf.train.adam(lr);
  throw new Error(`Unknown optimizer '${name}'.`);
}
