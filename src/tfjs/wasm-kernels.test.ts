import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import * as tfl from "@tensorflow/tfjs-layers";
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

describe("wasm UnsortedSegmentSum", () => {
  // prettier-ignore
  const cases = [
    { name: "rows of 3, repeated and empty segments", x: [6, 3], ids: [2, 0, 2, 1, 4, 0], segments: 5 },
    { name: "ids outside [0, numSegments) dropped", x: [5, 2, 2], ids: [1, -1, 3, 1, 0], segments: 3 },
    { name: "a 1-D x", x: [7], ids: [0, 1, 0, 1, 0, 1, 0], segments: 2 },
  ];

  for (const c of cases) {
    it(`matches cpu for ${c.name}`, async () => {
      const result = await onBothBackends(() =>
        tf.tidy(() =>
          tf.unsortedSegmentSum(
            tf.tensor(values(elementCount(c.x), 19), c.x),
            tf.tensor1d(c.ids, "int32"),
            c.segments,
          ),
        ),
      );
      expect(result.shape).toEqual([c.segments, ...c.x.slice(1)]);
      expectIdentical(result.wasm, result.cpu);
    });
  }

  for (const axis of [0, 1]) {
    it(`gives gather's gradient along axis ${axis} as on cpu`, async () => {
      const result = await onBothBackends(() =>
        tf.tidy(() => {
          const x = tf.tensor3d(values(5 * 6 * 3, 20), [5, 6, 3]);
          const indices = tf.tensor2d([4, 1, 4, 0, 4, 2], [2, 3], "int32");
          const outShape = tf.gather(x, indices, axis).shape;
          const dy = tf.tensor(values(elementCount(outShape), 21), outShape);
          const loss = (t: tf.Tensor) =>
            tf.sum(tf.mul(tf.gather(t, indices, axis), dy));
          return tf.grad(loss)(x);
        }),
      );
      expect(result.shape).toEqual([5, 6, 3]);
      expectIdentical(result.wasm, result.cpu);
    });
  }

  it("keeps a NaN in its own segment", async () => {
    await setupBackend("wasm");
    const x = tf.tensor2d([1, Number.NaN, 2, 3], [2, 2]);
    const sum = tf.unsortedSegmentSum(x, tf.tensor1d([0, 1], "int32"), 2);
    const out = sum.dataSync();
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(2);
    expect(out[3]).toBe(3);
    tf.dispose([x, sum]);
  });

  it("rejects 2-D segment ids", async () => {
    await setupBackend("wasm");
    const x = tf.zeros([2, 3]);
    const ids = tf.zeros([2, 3], "int32");
    expect(() =>
      tf.engine().runKernel("UnsortedSegmentSum", { x, segmentIds: ids }, {
        numSegments: 2,
      } as never),
    ).toThrow(
      /^UnsortedSegmentSum on the wasm backend: segmentIds must be 1-D with one id per row of x \(2\), got shape \[2,3\]\./,
    );
    tf.dispose([x, ids]);
  });
});

type Shape5D = [number, number, number, number, number];

describe("wasm MaxPool3D and MaxPool3DGrad", () => {
  // Windows of equal height and width: tfjs-backend-cpu 4.22's gradient is
  // right only for those.
  // prettier-ignore
  const cases = [
    { name: "2×2×2, stride 2, valid", x: [2, 4, 4, 4, 3], pool: 2, stride: 2, pad: "valid" },
    { name: "3×3×3, stride 2, same", x: [2, 5, 4, 5, 2], pool: 3, stride: 2, pad: "same" },
    { name: "3×3×3, stride 1, same, overlapping", x: [1, 4, 5, 5, 2], pool: 3, stride: 1, pad: "same" },
    { name: "1×2×2, strides [1, 2, 1], valid", x: [2, 3, 5, 4, 1], pool: [1, 2, 2], stride: [1, 2, 1], pad: "valid" },
  ] as const;
  const inputs = {
    "all-negative windows": (n: number) =>
      values(n, 22).map((v) => -1 - Math.abs(v)),
    "mixed signs": (n: number) => values(n, 23),
    "tied values": (n: number) =>
      values(n, 24).map((v) => Math.round(v * 2) / 2),
  };

  for (const c of cases) {
    const pool = (t: tf.Tensor) =>
      tf.maxPool3d(
        t as tf.Tensor5D,
        c.pool as [number, number, number],
        c.stride as [number, number, number],
        c.pad,
      );
    for (const [kind, make] of Object.entries(inputs)) {
      it(`match cpu's pooling for ${c.name}, ${kind}`, async () => {
        const result = await onBothBackends(() =>
          tf.tidy(() => pool(tf.tensor5d(make(elementCount(c.x)), [...c.x]))),
        );
        expect(result.wasm.every(Number.isFinite)).toBe(true);
        expectIdentical(result.wasm, result.cpu);
      });

      it(`match cpu's gradient for ${c.name}, ${kind}`, async () => {
        const result = await onBothBackends(() =>
          tf.tidy(() => {
            const x = tf.tensor5d(make(elementCount(c.x)), [...c.x]);
            const outShape = pool(x).shape;
            const dy = tf.tensor(values(elementCount(outShape), 25), outShape);
            return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(x);
          }),
        );
        expect(result.shape).toEqual([...c.x]);
        expectIdentical(result.wasm, result.cpu);
      });
    }
  }

  /**
   * For windows of unequal height and width the reference is the cpu
   * backend's gradient of a max over reshaped, non-overlapping windows,
   * which sends each dy to its window's maximum when no values tie.
   */
  // prettier-ignore
  const unequal = [
    { name: "2×3×2, all-negative", x: [2, 4, 6, 6, 2], pool: [2, 3, 2], make: inputs["all-negative windows"] },
    { name: "1×2×3, mixed signs", x: [1, 3, 4, 6, 3], pool: [1, 2, 3], make: inputs["mixed signs"] },
  ] as const;

  for (const c of unequal) {
    it(`route the gradient of ${c.name} windows to their maxima`, async () => {
      const [n, depth, height, width, channels] = c.x;
      const [pd, ph, pw] = c.pool;
      const windows = [n, depth / pd, pd, height / ph, ph, width / pw, pw];
      const outShape: Shape5D = [
        n,
        depth / pd,
        height / ph,
        width / pw,
        channels,
      ];
      const result = await onBothBackends((backend) =>
        tf.tidy(() => {
          const x = tf.tensor5d(c.make(elementCount(c.x)), [...c.x]);
          const dy = tf.tensor5d(values(elementCount(outShape), 26), outShape);
          const pool = (t: tf.Tensor) =>
            backend === "cpu"
              ? tf.max(tf.reshape(t, [...windows, channels]), [2, 4, 6])
              : tf.maxPool3d(
                  t as tf.Tensor5D,
                  [pd, ph, pw],
                  [pd, ph, pw],
                  "valid",
                );
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(x);
        }),
      );
      expect(result.shape).toEqual([...c.x]);
      expectIdentical(result.wasm, result.cpu);
    });
  }

  it("rejects dy of the wrong shape", async () => {
    await setupBackend("wasm");
    const input = tf.zeros([1, 4, 4, 4, 1]);
    const dy = tf.zeros([1, 3, 2, 2, 1]);
    expect(() =>
      tf.engine().runKernel("MaxPool3DGrad", { dy, input }, {
        filterSize: 2,
        strides: 2,
        pad: "valid",
      } as never),
    ).toThrow(
      /^MaxPool3DGrad: dy must have the pooling's output shape \[1,2,2,2,1\], got \[1,3,2,2,1\]\./,
    );
    tf.dispose([input, dy]);
  });
});

describe("wasm 3-D convolution gradients", () => {
  // prettier-ignore
  const cases = [
    { name: "stride 1, valid, 2×2×2", x: [2, 3, 4, 3, 1], filter: [2, 2, 2, 1, 3], stride: 1, pad: "valid" },
    { name: "stride 2, valid, unused frames", x: [1, 5, 4, 4, 2], filter: [2, 2, 2, 2, 1], stride: 2, pad: "valid" },
    { name: "stride 1, same, 3×3×3", x: [1, 3, 4, 3, 2], filter: [3, 3, 3, 2, 2], stride: 1, pad: "same" },
    { name: "stride 2, same, 3×3×3", x: [2, 5, 5, 5, 2], filter: [3, 3, 3, 2, 3], stride: 2, pad: "same" },
    { name: "strides [1, 2, 3], same, 3×2×3", x: [2, 4, 5, 7, 1], filter: [3, 2, 3, 1, 2], stride: [1, 2, 3], pad: "same" },
  ] as const;

  for (const c of cases) {
    const conv = (x: tf.Tensor, filter: tf.Tensor) =>
      tf.conv3d(
        x as tf.Tensor5D,
        filter as tf.Tensor5D,
        c.stride as [number, number, number],
        c.pad,
      );
    /** Returns the gradient of Σ conv(x, filter)·dy with respect to x or filter. */
    const gradient = (wrt: 0 | 1) =>
      tf.tidy(() => {
        const x = tf.tensor5d(values(elementCount(c.x), 27), [...c.x]);
        const filter = tf.tensor5d(values(elementCount(c.filter), 28), [
          ...c.filter,
        ]);
        const outShape = conv(x, filter).shape;
        const dy = tf.tensor(values(elementCount(outShape), 29), outShape);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(conv(a, b), dy));
        return tf.grads(loss)([x, filter])[wrt]!;
      });

    it(`match cpu's input gradient for ${c.name}`, async () => {
      const result = await onBothBackends(() => gradient(0));
      expect(result.shape).toEqual([...c.x]);
      expectIdentical(result.wasm, result.cpu);
    });

    it(`match cpu's filter gradient for ${c.name}`, async () => {
      const result = await onBothBackends(() => gradient(1));
      expect(result.shape).toEqual([...c.filter]);
      expectIdentical(result.wasm, result.cpu);
    });
  }

  it("rejects a filter whose input channels differ from x's", async () => {
    await setupBackend("wasm");
    const dy = tf.zeros([1, 2, 2, 2, 3]);
    const filter = tf.zeros([2, 2, 2, 4, 3]);
    expect(() =>
      tf.engine().runKernel("Conv3DBackpropInputV2", { dy, filter }, {
        strides: 1,
        pad: "valid",
        inputShape: [1, 3, 3, 3, 2],
      } as never),
    ).toThrow(
      /^Conv3DBackpropInputV2: the filter's input channels \(4\) must equal the input's \(2\)\./,
    );
    tf.dispose([dy, filter]);
  });
});

/**
 * Gradients that tfjs-backend-wasm 4.22 computes with its own kernels, which
 * installWasmTrainingKernels leaves in place. They sum in other orders than
 * the cpu backend, so they agree to float32 rounding, not bit for bit.
 */
describe("stock wasm gradients", () => {
  // prettier-ignore
  const pools = [
    { name: "avgPool 3×3, stride 2, same", x: [2, 7, 6, 2], pool: 3, stride: 2, pad: "same" },
    { name: "avgPool 2×3, strides [1, 2], valid", x: [2, 5, 7, 1], pool: [2, 3], stride: [1, 2], pad: "valid" },
    { name: "avgPool3d 3×3×3, stride 1, same", x: [1, 4, 5, 5, 2], pool: 3, stride: 1, pad: "same" },
    { name: "avgPool3d 2×3×2, strides [1, 2, 3], valid", x: [2, 4, 6, 6, 2], pool: [2, 3, 2], stride: [1, 2, 3], pad: "valid" },
  ] as const;

  for (const c of pools) {
    it(`match cpu for ${c.name}`, async () => {
      const pool = (t: tf.Tensor) =>
        c.x.length === 4
          ? tf.avgPool(
              t as tf.Tensor4D,
              c.pool as number,
              c.stride as number,
              c.pad,
            )
          : tf.avgPool3d(
              t as tf.Tensor5D,
              c.pool as number,
              c.stride as number,
              c.pad,
            );
      const result = await onBothBackends(() =>
        tf.tidy(() => {
          const x = tf.tensor(values(elementCount(c.x), 30), [...c.x]);
          const outShape = pool(x).shape;
          const dy = tf.tensor(values(elementCount(outShape), 31), outShape);
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(x);
        }),
      );
      expect(result.shape).toEqual([...c.x]);
      expectClose(result.wasm, result.cpu);
    });
  }

  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const layers: Record<string, () => tfl.layers.Layer> = {
    simpleRNN: () =>
      tfl.layers.simpleRNN({
        units: 4,
        returnSequences: true,
        kernelInitializer: seeded(1),
        recurrentInitializer: seeded(2),
      }),
    lstm: () =>
      tfl.layers.lstm({
        units: 4,
        returnSequences: true,
        kernelInitializer: seeded(3),
        recurrentInitializer: seeded(4),
      }),
    "lstm, sigmoid gates, backwards": () =>
      tfl.layers.lstm({
        units: 4,
        recurrentActivation: "sigmoid",
        goBackwards: true,
        kernelInitializer: seeded(5),
        recurrentInitializer: seeded(6),
      }),
    gru: () =>
      tfl.layers.gru({
        units: 4,
        returnSequences: true,
        kernelInitializer: seeded(7),
        recurrentInitializer: seeded(8),
      }),
    layerNormalization: () =>
      tfl.layers.layerNormalization({
        gammaInitializer: tfl.initializers.randomUniform({
          minval: 0.5,
          maxval: 1.5,
          seed: 9,
        }),
        betaInitializer: tfl.initializers.randomUniform({
          minval: -0.5,
          maxval: 0.5,
          seed: 10,
        }),
      }),
    "dropout, training": () => tfl.layers.dropout({ rate: 0.4, seed: 11 }),
  };
  // prettier-ignore
  const activations = [
    "elu", "gelu", "gelu_new", "hardSigmoid", "linear", "mish", "relu",
    "relu6", "selu", "sigmoid", "softmax", "softplus", "softsign", "swish", "tanh",
  ] as const;
  for (const activation of activations) {
    layers[`dense with ${activation}`] = () =>
      tfl.layers.dense({ units: 5, activation, kernelInitializer: seeded(12) });
  }

  for (const [name, make] of Object.entries(layers)) {
    it(`match cpu for a ${name} layer`, async () => {
      /** Returns the gradients of Σ layer(x)·dy for the weights and x, flattened. */
      const gradients = () => {
        const layer = make();
        const x = tf.variable(tf.tensor3d(values(3 * 5 * 6, 32), [3, 5, 6]));
        const flat = tf.tidy(() => {
          const outShape = (layer.apply(x) as tf.Tensor).shape;
          const dy = tf.tensor(values(elementCount(outShape), 33), outShape);
          const weights = layer.trainableWeights.map(
            (w) => w.read() as tf.Variable,
          );
          const loss = () =>
            tf.sum(
              tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy),
            ) as tf.Scalar;
          const { grads } = tf.variableGrads(loss, [...weights, x]);
          return tf.concat(
            Object.values(grads).map((g) => tf.reshape(g, [-1])),
          );
        });
        layer.dispose();
        x.dispose();
        return flat;
      };
      const result = await onBothBackends(gradients);
      expect(result.cpu.some((g) => g !== 0)).toBe(true);
      expectClose(result.wasm, result.cpu);
    });
  }
});
