import * as tf from "@tensorflow/tfjs-core";

/**
 * Adds `grads` into the running sums `sums` (a new map when undefined) and
 * disposes `grads`. The caller owns the returned tensors.
 */
export function accumulateGradients(
  sums: tf.NamedTensorMap | undefined,
  grads: tf.NamedTensorMap,
): tf.NamedTensorMap {
  if (sums === undefined) return grads;
  const next: tf.NamedTensorMap = {};
  for (const [name, grad] of Object.entries(grads)) {
    next[name] = tf.add(sums[name], grad);
  }
  tf.dispose([...Object.values(sums), ...Object.values(grads)]);
  return next;
}

/**
 * Scales every gradient by min(1, maxNorm / (‖g‖ + 1e-6)), where ‖g‖ is the
 * 2-norm of all gradients taken as one vector: the rule of PyTorch 1.13's
 * `clip_grad_norm_` and of descent's `clipGradNorm`. Disposes `grads` and
 * returns the clipped tensors with the total norm before clipping.
 */
export function clipByGlobalNorm(
  grads: tf.NamedTensorMap,
  maxNorm: number,
): { grads: tf.NamedTensorMap; norm: number } {
  const tensors = Object.values(grads);
  const squared = tf.tidy(() =>
    tf.addN(tensors.map((g) => tf.sum(tf.square(g)))),
  );
  const norm = Math.sqrt(squared.dataSync()[0]);
  squared.dispose();
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  const clipped: tf.NamedTensorMap = {};
  for (const [name, grad] of Object.entries(grads))
    clipped[name] = tf.mul(grad, scale);
  tf.dispose(tensors);
  return { grads: clipped, norm };
}

/** Divides summed gradients by `count`, disposing the sums; returns them unchanged for a count of 1. */
export function averageGradients(
  sums: tf.NamedTensorMap,
  count: number,
): tf.NamedTensorMap {
  if (count === 1) return sums;
  const averaged: tf.NamedTensorMap = {};
  for (const [name, sum] of Object.entries(sums))
    averaged[name] = tf.div(sum, count);
  tf.dispose(Object.values(sums));
  return averaged;
}
