import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { describe, expect, it } from "vitest";

import { setupBackend } from "../train/backend.js";
import { Random } from "../train/random.js";

/** Returns deterministic values in [-1, 1). */
function values(size: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: size }, () => random.nextUint32() / 2 ** 31 - 1);
}

/** Runs `compute` on the cpu backend and on wasm, returning both results. */
async function onBothBackends(
  compute: () => tf.Tensor,
): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[] }> {
  await setupBackend("cpu");
  const cpuTensor = compute();
  const cpu = cpuTensor.dataSync() as Float32Array;
  cpuTensor.dispose();
  await setupBackend("wasm");
  const wasmTensor = compute();
  const wasm = wasmTensor.dataSync() as Float32Array;
  const shape = wasmTensor.shape;
  wasmTensor.dispose();
  return { cpu, wasm, shape };
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  }
  expect(worst).toBeLessThan(1e-5);
}

describe("wasm matrix products", () => {
  const cases: Array<[boolean, boolean]> = [
    [true, false],
    [false, true],
    [true, true],
  ];
  for (const [transposeA, transposeB] of cases) {
    it(`match cpu with transposeA ${transposeA}, transposeB ${transposeB}`, async () => {
      const aShape = transposeA ? [7, 5] : [5, 7];
      const bShape = transposeB ? [3, 7] : [7, 3];
      const result = await onBothBackends(() => {
        const a = tf.tensor2d(values(35, 1), aShape as [number, number]);
        const b = tf.tensor2d(values(21, 2), bShape as [number, number]);
        const product = tf.matMul(a, b, transposeA, transposeB);
        tf.dispose([a, b]);
        return product;
      });
      expect(result.shape).toEqual([5, 3]);
      expectClose(result.wasm, result.cpu);
    });
  }

  // NOTE: rank 2 only, because tfjs-backend-wasm 4.22 adds the bias wrongly
  // in a fused product of rank-3 operands with a batch of 2 or more (with or
  // without transposes). Dense layers on flat inputs never make one.
  it("match cpu with fused bias and ReLU", async () => {
    const result = await onBothBackends(() =>
      tf.tidy(() =>
        tf.fused.matMul({
          a: tf.tensor2d(values(6 * 4, 3), [6, 4]),
          b: tf.tensor2d(values(3 * 6, 4), [3, 6]),
          transposeA: true,
          transposeB: true,
          bias: tf.tensor1d(values(3, 5)),
          activation: "relu",
        }),
      ),
    );
    expect(result.shape).toEqual([4, 3]);
    expectClose(result.wasm, result.cpu);
  });
});

describe("wasm Conv2DBackpropFilter", () => {
  const cases = [
    { name: "stride 1, valid", x: [2, 6, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: "valid" },
    { name: "stride 2, same", x: [2, 7, 7, 2], filter: [3, 3, 2, 5], stride: 2, pad: "same" },
    { name: "stride 2, valid, unused rows", x: [1, 8, 7, 2], filter: [3, 2, 2, 3], stride: 2, pad: "valid" },
    { name: "stride 1, same, 5×5 filter", x: [3, 5, 6, 1], filter: [5, 5, 1, 2], stride: 1, pad: "same" },
  ] as const;

  for (const c of cases) {
    it(`matches cpu for ${c.name}`, async () => {
      const result = await onBothBackends(() =>
        tf.tidy(() => {
          const [n, h, w, channels] = c.x;
          const x = tf.tensor4d(values(n * h * w * channels, 6), [...c.x]);
          const filterShape = [...c.filter] as [number, number, number, number];
          const zeros = tf.zeros(filterShape) as tf.Tensor4D;
          const outShape = tf.conv2d(x, zeros, c.stride, c.pad).shape;
          const size = outShape.reduce((a, b) => a * b, 1);
          const dy = tf.tensor(values(size, 7), outShape);
          // The gradient of Σ conv2d(x, filter)·dy is the filter gradient.
          const loss = (filter: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, c.stride, c.pad), dy));
          return tf.grad(loss)(zeros);
        }),
      );
      expect(result.shape).toEqual([...c.filter]);
      expectClose(result.wasm, result.cpu);
    });
  }
});
