import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { describe, expect, it } from "vitest";

import { setupBackend } from "../train/backend.js";
import { Random } from "../train/random.js";

/** Returns deterministic values in [-1, 1). */
function values(size: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from(
    { length: size },
    () => random.nextUint32() / 2 ** 31 - 1,
  );
}

type Shape4D = [number, number, number, number];

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs `compute` on the cpu backend and on wasm, returning both results. */
async function onBothBackends(
  compute: (backend: "cpu" | "wasm") => tf.Tensor,
): Promise<{ cpu: Float32Array; wasm: Float32Array; shape: number[] }> {
  await setupBackend("cpu");
  const cpuTensor = compute("cpu");
  const cpu = cpuTensor.dataSync() as Float32Array;
  cpuTensor.dispose();
  await setupBackend("wasm");
  const wasmTensor = compute("wasm");
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

/** Expects equal elements, as from kernels that sum in the cpu backend's order. */
function expectIdentical(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  expect(worst).toBe(0);
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
  // prettier-ignore
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
            tf.sum(
              tf.mul(tf.conv2d(x, filter as tf.Tensor4D, c.stride, c.pad), dy),
            );
          return tf.grad(loss)(zeros);
        }),
      );
      expect(result.shape).toEqual([...c.filter]);
      expectClose(result.wasm, result.cpu);
    });
  }
});

describe("wasm depthwise convolution gradients", () => {
  // prettier-ignore
  const cases = [
    { name: "stride 1, valid, 3×3", x: [2, 6, 6, 3], filter: [3, 3, 3, 1], stride: 1, pad: "valid" },
    { name: "stride 2, same, multiplier 2, 3×2", x: [2, 7, 8, 3], filter: [3, 2, 3, 2], stride: 2, pad: "same" },
    { name: "stride 2, valid, unused rows, 2×3", x: [1, 8, 7, 2], filter: [2, 3, 2, 1], stride: 2, pad: "valid" },
    { name: "stride 1, same, multiplier 2, 5×5", x: [3, 5, 6, 2], filter: [5, 5, 2, 2], stride: 1, pad: "same" },
    { name: "strides [2, 1], same, multiplier 3", x: [2, 5, 4, 2], filter: [3, 3, 2, 3], stride: [2, 1], pad: "same" },
    { name: "stride 2, explicit padding, multiplier 2", x: [2, 6, 5, 2], filter: [3, 2, 2, 2], stride: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  ] as const;

  for (const c of cases) {
    const conv = (x: tf.Tensor, filter: tf.Tensor) =>
      tf.depthwiseConv2d(
        x as tf.Tensor4D,
        filter as tf.Tensor4D,
        c.stride as [number, number],
        c.pad as tf.backend_util.ExplicitPadding,
      );
    /** Returns the gradient of Σ conv(x, filter)·dy with respect to x or filter. */
    const gradient = (wrt: 0 | 1) =>
      tf.tidy(() => {
        const x = tf.tensor4d(values(elementCount(c.x), 8), [...c.x]);
        const filter = tf.tensor4d(values(elementCount(c.filter), 9), [
          ...c.filter,
        ]);
        const outShape = conv(x, filter).shape;
        const dy = tf.tensor(values(elementCount(outShape), 10), outShape);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(conv(a, b), dy));
        return tf.grads(loss)([x, filter])[wrt]!;
      });

    it(`match cpu's filter gradient for ${c.name}`, async () => {
      const result = await onBothBackends(() => gradient(1));
      expect(result.shape).toEqual([...c.filter]);
      expectIdentical(result.wasm, result.cpu);
    });

    it(`match cpu's input gradient for ${c.name}`, async () => {
      const result = await onBothBackends(() => gradient(0));
      expect(result.shape).toEqual([...c.x]);
      expectIdentical(result.wasm, result.cpu);
    });
  }
});

/**
 * Inserts `dilation − 1` zero rows and columns between a filter's taps, so a
 * convolution with the result at dilation 1 equals one with `values` at
 * `dilation`.
 */
function dilateFilter(
  values: Float32Array,
  shape: Shape4D,
  dilation: number,
): { values: Float32Array; shape: Shape4D } {
  const [height, width, channels, multiplier] = shape;
  const depth = channels * multiplier;
  const dilated: Shape4D = [
    (height - 1) * dilation + 1,
    (width - 1) * dilation + 1,
    channels,
    multiplier,
  ];
  const out = new Float32Array(elementCount(dilated));
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const from = (row * width + col) * depth;
      const to = (row * dilation * dilated[1] + col * dilation) * depth;
      out.set(values.subarray(from, from + depth), to);
    }
  }
  return { values: out, shape: dilated };
}

/**
 * tf.depthwiseConv2d's gradient in tfjs-core 4.22 rejects dilations above 1,
 * and tfjs-backend-cpu 4.22's gradient kernels ignore the dilations
 * attribute, so these call the kernels directly and take the reference from
 * cpu's kernels at dilation 1 with the filter's zeros written out.
 */
describe("wasm depthwise convolution gradients at dilation 2", () => {
  // prettier-ignore
  const cases = [
    { name: "same, multiplier 2", x: [2, 9, 8, 2], filter: [3, 3, 2, 2], pad: "same" },
    { name: "valid, 2×3", x: [1, 9, 10, 3], filter: [2, 3, 3, 1], pad: "valid" },
  ] as const;

  for (const c of cases) {
    const filterShape = [...c.filter] as Shape4D;
    const filterValues = values(elementCount(filterShape), 11);
    const dilated = dilateFilter(filterValues, filterShape, 2);
    const outShape = () =>
      tf.tidy(() =>
        tf.depthwiseConv2d(
          tf.zeros([...c.x]) as tf.Tensor4D,
          tf.zeros(filterShape) as tf.Tensor4D,
          1,
          c.pad,
          "NHWC",
          2,
        ),
      ).shape;

    it(`match the written-out filter's input gradient for ${c.name}`, async () => {
      const result = await onBothBackends((backend) =>
        tf.tidy(() => {
          const shape = outShape();
          const dy = tf.tensor4d(values(elementCount(shape), 12), shape);
          const [filter, dilations] =
            backend === "cpu"
              ? [tf.tensor4d(dilated.values, dilated.shape), 1]
              : [tf.tensor4d(filterValues, filterShape), 2];
          return tf
            .engine()
            .runKernel(
              "DepthwiseConv2dNativeBackpropInput",
              { dy, filter },
              { strides: 1, pad: c.pad, dilations, inputShape: [...c.x] },
            ) as tf.Tensor;
        }),
      );
      expect(result.shape).toEqual([...c.x]);
      expectIdentical(result.wasm, result.cpu);
    });

    it(`match the written-out filter's filter gradient for ${c.name}`, async () => {
      const result = await onBothBackends((backend) =>
        tf.tidy(() => {
          const shape = outShape();
          const x = tf.tensor4d(values(elementCount(c.x), 13), [...c.x]);
          const dy = tf.tensor4d(values(elementCount(shape), 14), shape);
          const [taps, dilations] =
            backend === "cpu" ? [dilated.shape, 1] : [filterShape, 2];
          const dW = tf
            .engine()
            .runKernel(
              "DepthwiseConv2dNativeBackpropFilter",
              { x, dy },
              { strides: 1, pad: c.pad, dilations, filterShape: taps },
            ) as tf.Tensor4D;
          // Keep the taps of the written-out filter that are not zeros.
          return backend === "cpu"
            ? tf.stridedSlice(dW, [0, 0, 0, 0], dW.shape, [2, 2, 1, 1])
            : dW;
        }),
      );
      expect(result.shape).toEqual([...c.filter]);
      expectIdentical(result.wasm, result.cpu);
    });
  }
});

describe("wasm depthwise gradient kernels", () => {
  const x = [1, 5, 5, 2];
  const filterShape = [3, 3, 2, 2];
  const cases = [
    {
      name: "dy of the wrong shape",
      kernel: "DepthwiseConv2dNativeBackpropFilter",
      inputs: { x, dy: [1, 5, 5, 4] },
      attrs: { strides: 1, pad: "valid", dilations: 1, filterShape },
      message:
        /^DepthwiseConv2dNativeBackpropFilter: dy must have the convolution's output shape \[1,3,3,4\], got \[1,5,5,4\]\./,
    },
    {
      name: "filter channels unlike the input's",
      kernel: "DepthwiseConv2dNativeBackpropInput",
      inputs: { dy: [1, 3, 3, 6], filter: [3, 3, 3, 2] },
      attrs: { strides: 1, pad: "valid", dilations: 1, inputShape: x },
      message:
        /^DepthwiseConv2dNativeBackpropInput: the filter's input channels \(3\) must equal the input's \(2\)\./,
    },
    {
      name: "a rank-3 input",
      kernel: "DepthwiseConv2dNativeBackpropFilter",
      inputs: { x: [5, 5, 2], dy: [1, 3, 3, 4] },
      attrs: { strides: 1, pad: "valid", dilations: 1, filterShape },
      message:
        /^DepthwiseConv2dNativeBackpropFilter: the input and filter must be rank 4, got shapes \[5,5,2\] and \[3,3,2,2\]\./,
    },
    {
      name: "channels-first data",
      kernel: "DepthwiseConv2dNativeBackpropInput",
      inputs: { dy: [1, 3, 3, 4], filter: filterShape },
      attrs: {
        strides: 1,
        pad: "valid",
        dilations: 1,
        inputShape: x,
        dataFormat: "NCHW",
      },
      message:
        /^DepthwiseConv2dNativeBackpropInput on the wasm backend supports only dataFormat 'NHWC', got 'NCHW'\./,
    },
  ];

  for (const c of cases) {
    it(`reject ${c.name}`, async () => {
      await setupBackend("wasm");
      const inputs = Object.fromEntries(
        Object.entries(c.inputs).map(([name, shape]) => [
          name,
          tf.zeros(shape),
        ]),
      );
      expect(() =>
        tf.engine().runKernel(c.kernel, inputs, c.attrs as never),
      ).toThrow(c.message);
      tf.dispose(Object.values(inputs));
    });
  }
});

describe("wasm MaxPoolGrad", () => {
  // prettier-ignore
  const cases = [
    { name: "2×2, stride 2, valid", x: [2, 6, 6, 3], pool: 2, stride: 2, pad: "valid" },
    { name: "3×3, stride 2, same", x: [2, 7, 6, 2], pool: 3, stride: 2, pad: "same" },
    { name: "3×3, stride 1, same, overlapping", x: [1, 5, 5, 2], pool: 3, stride: 1, pad: "same" },
    { name: "2×3, strides [1, 2], valid", x: [2, 5, 7, 1], pool: [2, 3], stride: [1, 2], pad: "valid" },
  ] as const;
  const inputs = {
    "all-negative windows": (n: number) =>
      values(n, 15).map((v) => -1 - Math.abs(v)),
    "mixed signs": (n: number) => values(n, 16),
    "tied values": (n: number) =>
      values(n, 17).map((v) => Math.round(v * 2) / 2),
  };

  for (const c of cases) {
    for (const [kind, make] of Object.entries(inputs)) {
      it(`matches cpu for ${c.name}, ${kind}`, async () => {
        const result = await onBothBackends(() =>
          tf.tidy(() => {
            const x = tf.tensor4d(make(elementCount(c.x)), [...c.x]);
            const pool = (t: tf.Tensor) =>
              tf.maxPool(
                t as tf.Tensor4D,
                c.pool as [number, number],
                c.stride as [number, number],
                c.pad,
              );
            const outShape = pool(x).shape;
            const dy = tf.tensor(values(elementCount(outShape), 18), outShape);
            return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(x);
          }),
        );
        expect(result.shape).toEqual([...c.x]);
        expectIdentical(result.wasm, result.cpu);
      });
    }
  }
});
