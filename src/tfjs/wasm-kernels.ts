import {
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv3DBackpropFilterV2,
  Conv3DBackpropInputV2,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  MaxPool3D,
  MaxPool3DGrad,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  PadV2,
  Slice,
  type TensorInfo,
  Transpose,
  UnsortedSegmentSum,
  _FusedMatMul,
  backend_util,
  getKernel,
  getKernelsForBackend,
  registerKernel,
  unregisterKernel,
} from "@tensorflow/tfjs-core";

import {
  conv3DBackpropFilterV2,
  conv3DBackpropInputV2,
} from "./wasm-conv3d-kernels.js";
import {
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  maxPoolGrad,
  unsortedSegmentSum,
} from "./wasm-loop-kernels.js";
import { maxPool3D, maxPool3DGrad } from "./wasm-pool3d-kernels.js";

/**
 * Training fixes for the TF.js WebAssembly backend (tfjs-backend-wasm 4.22).
 *
 * - Its matrix product with a transposed operand (`transposeA` or
 *   `transposeB`) runs 12 to 17 times slower than a plain one (784 × 256
 *   products at batch 128), and every gradient of a dense layer uses one.
 *   The replacement kernels transpose the operand explicitly, then multiply
 *   plainly.
 * - It has no `Conv2DBackpropFilter` kernel, so a convolution's filter
 *   gradient fails. The kernel added here computes it with the backend's own
 *   transpose, pad, slice and convolution kernels.
 * - It has neither gradient kernel of a depthwise convolution
 *   (`DepthwiseConv2dNativeBackpropFilter`, `...BackpropInput`), which
 *   depthwise and separable convolution layers need.
 * - It has no `UnsortedSegmentSum`, which the gradient of `tf.gather`, and
 *   so of an embedding layer, needs.
 * - Its `MaxPoolGrad`, `MaxPool3D` and `MaxPool3DGrad` mishandle pooling
 *   windows without a positive value, as after batch normalisation or a
 *   linear layer: no gradient, or the smallest positive float as the
 *   maximum.
 * - Its 3-D convolution gradients (`Conv3DBackpropInputV2`,
 *   `Conv3DBackpropFilterV2`) are wrong with a stride above 1 or "same"
 *   padding.
 *
 * All kernels but the first two are loops in JavaScript, in
 * `wasm-loop-kernels.ts`, `wasm-pool3d-kernels.ts` and
 * `wasm-conv3d-kernels.ts`, that give the cpu backend's results bit for bit,
 * with the exceptions their files list.
 */

type Backend = Parameters<KernelFunc>[0]["backend"] & {
  disposeData(dataId: object): boolean;
};

type KernelArgs = Parameters<KernelFunc>[0];

const WASM = "wasm";

function runKernel(
  name: string,
  inputs: Record<string, TensorInfo>,
  backend: Backend,
  attrs: Record<string, unknown>,
): TensorInfo {
  const { kernelFunc } = getKernel(name, WASM);
  return kernelFunc({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

function swapLastTwoAxes(x: TensorInfo, backend: Backend): TensorInfo {
  const perm = x.shape.map((_, axis) => axis);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runKernel(Transpose, { x }, backend, { perm });
}

/** Wraps a matrix-product kernel to transpose operands before calling it. */
function withExplicitTranspose(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { transposeA, transposeB } = attrs as {
      transposeA: boolean;
      transposeB: boolean;
    };
    if (!transposeA && !transposeB) {
      return original({ inputs, backend, attrs });
    }
    const wasmBackend = backend as Backend;
    const temporaries: TensorInfo[] = [];
    const operands = { ...inputs };
    if (transposeA) {
      operands.a = swapLastTwoAxes(inputs.a!, wasmBackend);
      temporaries.push(operands.a);
    }
    if (transposeB) {
      operands.b = swapLastTwoAxes(inputs.b!, wasmBackend);
      temporaries.push(operands.b);
    }
    const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
    const out = original({ inputs: operands, backend, attrs: plainAttrs });
    temporaries.forEach((t) => wasmBackend.disposeData(t.dataId));
    return out;
  };
}

/**
 * Computes a 2-D convolution's filter gradient as another convolution.
 *
 * For input x [N, H, W, C], output gradient dy [N, OH, OW, K], stride s and
 * padding p, the gradient is
 *   dW[i, j, c, k] = Σ_{n, u, v} xPadded[n, i + s·u, j + s·v, c] · dy[n, u, v, k],
 * which is a stride-1 convolution with dilation s of xPadded, transposed to
 * [C, H', W', N], by dy, transposed to the filter [OH, OW, N, K].
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs) {
  const wasmBackend = backend as Backend;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  const convInfo = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (convInfo.dataFormat !== "channelsLast") {
    throw new Error(
      `Conv2DBackpropFilter on the wasm backend supports only dataFormat ` +
        `'NHWC', got '${dataFormat}'. Use channels-last data.`,
    );
  }
  const { top, bottom, left, right } = convInfo.padInfo;
  const temporaries: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temporaries.push(t), t);

  const padded = keep(
    runKernel(PadV2, { x }, wasmBackend, {
      paddings: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    }),
  );
  const xT = keep(
    runKernel(Transpose, { x: padded }, wasmBackend, { perm: [3, 1, 2, 0] }),
  );
  const dyT = keep(
    runKernel(Transpose, { x: dy }, wasmBackend, { perm: [1, 2, 0, 3] }),
  );
  const full = keep(
    runKernel(Conv2D, { x: xT, filter: dyT }, wasmBackend, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      dilations: [convInfo.strideHeight, convInfo.strideWidth],
    }),
  );
  // The convolution also covers offsets past the filter when the stride
  // leaves padded rows or columns unused, so cut it to the filter's size.
  const [filterHeight, filterWidth, inChannels, outChannels] = filterShape;
  const cut = keep(
    runKernel(Slice, { x: full }, wasmBackend, {
      begin: [0, 0, 0, 0],
      size: [inChannels, filterHeight, filterWidth, outChannels],
    }),
  );
  const dW = runKernel(Transpose, { x: cut }, wasmBackend, {
    perm: [1, 2, 0, 3],
  });
  temporaries.forEach((t) => wasmBackend.disposeData(t.dataId));
  return dW;
}

/** Kernels the wasm backend lacks, added only where it still lacks them. */
const ADDED_KERNELS: Array<[string, KernelFunc]> = [
  [Conv2DBackpropFilter, conv2dBackpropFilter as KernelFunc],
  [DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dBackpropFilter],
  [DepthwiseConv2dNativeBackpropInput, depthwiseConv2dBackpropInput],
  [UnsortedSegmentSum, unsortedSegmentSum],
];

/** Kernels that give wrong results in tfjs-backend-wasm 4.22, replaced. */
const REPLACED_KERNELS: Array<[string, KernelFunc]> = [
  [MaxPoolGrad, maxPoolGrad],
  [MaxPool3D, maxPool3D],
  [MaxPool3DGrad, maxPool3DGrad],
  [Conv3DBackpropInputV2, conv3DBackpropInputV2],
  [Conv3DBackpropFilterV2, conv3DBackpropFilterV2],
];

let installed = false;

/**
 * Patches the wasm backend (tfjs-backend-wasm 4.22) for training. It
 * replaces these kernels:
 *
 * - `BatchMatMul` and `_FusedMatMul`, with ones that transpose an operand
 *   explicitly before a plain product, so dense-layer gradients run several
 *   times faster;
 * - `MaxPoolGrad`, `MaxPool3D` and `MaxPool3DGrad`, with ones that are right
 *   for pooling windows without a positive value;
 * - `Conv3DBackpropInputV2` and `Conv3DBackpropFilterV2`, with ones that are
 *   right for every stride and padding.
 *
 * It adds `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput` and `UnsortedSegmentSum` where the
 * backend lacks them. Training on the wasm backend, with `model.fit` or a
 * loop of its own, can then use `conv2d`, `conv3d`, `depthwiseConv2d`,
 * `separableConv2d` and `embedding` layers and `tf.gather`, with max
 * pooling right whatever the sign of the pooled values.
 *
 * Call it after importing `@tensorflow/tfjs-backend-wasm`, before or after
 * `tf.setBackend("wasm")`. The changes apply to every later kernel call,
 * and later calls of this function do nothing.
 *
 * @remarks Depthwise convolutions train in channels-last (NHWC) layout
 * only, and without dilation because tfjs-core 4.22's depthwise gradient
 * rejects dilations above 1. `UnsortedSegmentSum` takes 1-D segment ids
 * only. Still wrong on the wasm backend afterwards: `Dilation2D`, its
 * gradients and `MaxPoolWithArgmax` for windows without a positive value,
 * and a fused matrix product with bias of rank-3 operands with a batch of
 * 2 or more. Still missing: `Einsum`, complex numbers and FFTs, and ragged
 * tensors. None of these is used by the layers that tfjs-layers 4.22
 * exports.
 * @throws Error, changing nothing, if the wasm backend's kernels are not
 *   registered yet because its package was not imported.
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { createTfjsOptimizer, installWasmTrainingKernels } from "descent/tfjs";
 *
 * await tf.setBackend("wasm");
 * installWasmTrainingKernels();
 * model.compile({ optimizer: createTfjsOptimizer("adamw"), loss: "categoricalCrossentropy" });
 * await model.fit(xs, ys, { epochs: 5 });
 * ```
 */
export function installWasmTrainingKernels(): void {
  if (installed) return;
  const registered = new Set(
    getKernelsForBackend(WASM).map((kernel) => kernel.kernelName),
  );
  const missing = [BatchMatMul, _FusedMatMul].filter(
    (name) => !registered.has(name),
  );
  if (missing.length > 0) {
    throw new Error(
      `installWasmTrainingKernels: the wasm backend's ${missing.join(" and ")} kernels are not registered, ` +
        `so there is nothing to replace yet. Import "@tensorflow/tfjs-backend-wasm" before calling it.`,
    );
  }
  installed = true;

  for (const name of [BatchMatMul, _FusedMatMul]) {
    const original = getKernel(name, WASM);
    unregisterKernel(name, WASM);
    const replacement: KernelConfig = {
      ...original,
      kernelFunc: withExplicitTranspose(original.kernelFunc),
    };
    registerKernel(replacement);
  }

  for (const [kernelName, kernelFunc] of REPLACED_KERNELS) {
    if (registered.has(kernelName)) unregisterKernel(kernelName, WASM);
    registerKernel({ kernelName, backendName: WASM, kernelFunc });
  }

  for (const [kernelName, kernelFunc] of ADDED_KERNELS) {
    if (!registered.has(kernelName)) {
      registerKernel({ kernelName, backendName: WASM, kernelFunc });
    }
  }
}
