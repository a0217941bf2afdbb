import * as tf from "@tensorflow/tfjs-core";

import { type ImageSet, NUM_CLASSES } from "./idx.js";

// Mean and standard deviation of Fashion-MNIST's training pixels on a 0-1
// scale, the values torchvision examples normalize it with.
const PIXEL_MEAN = 0.286;
const PIXEL_STD = 0.353;

/**
 * Copies the images at `indices` into a `[indices.length, rows·cols]` tensor
 * of standardized pixel values, (p/255 − 0.286)/0.353, and their labels into
 * a one-hot `[indices.length, 10]` tensor.
 */
export function makeBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const pixels = set.rows * set.cols;
  const count = indices.length;
  const values = new Float32Array(count * pixels);
  const oneHot = new Float32Array(count * NUM_CLASSES);
  for (let i = 0; i < count; i++) {
    const source = indices[i] * pixels;
    const target = i * pixels;
    for (let p = 0; p < pixels; p++) {
      values[target + p] =
        (set.images[source + p] / 255 - PIXEL_MEAN) / PIXEL_STD;
    }
    oneHot[i * NUM_CLASSES + set.labels[indices[i]]] = 1;
  }
  return {
    xs: tf.tensor2d(values, [count, pixels]),
    ys: tf.tensor2d(oneHot, [count, NUM_CLASSES]),
  };
}

/** Returns the indices start to end - 1 as an array. */
export function range(start: number, end: number): Int32Array {
  const indices = new Int32Array(end - start);
  for (let i = 0; i < indices.length; i++) indices[i] = start + i;
  return indices;
}

/** Returns the first `count` images of `set`, or all of them if fewer. */
export function takeFirst(set: ImageSet, count: number): ImageSet {
  const n = Math.min(count, set.count);
  const pixels = set.rows * set.cols;
  return {
    ...set,
    count: n,
    images: set.images.subarray(0, n * pixels),
    labels: set.labels.subarray(0, n),
  };
}
