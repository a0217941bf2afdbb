import {
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  PadV2,
  Slice,
  type TensorInfo,
  Transpose,
  _FusedMatMul,
  backend_util,
  getKernel,
  getKernelsForBackend,
  registerKernel,
  unregisterKernel,
} from "@tensorflow/tfjs-core";

import {
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
  maxPoolGrad,
} from "./wasm-loop-kernels.js";

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
 * - Its `MaxPoolGrad` passes no gradient through a pooling window without a
 *   positive value, as after batch normalisation or a linear layer.
 *
 * The kernels for the last two are loops in JavaScript, in
 * `wasm-loop-kernels.ts`, that give the cpu backend's results bit for bit
 * (at dilation 1 for depthwise convolutions).
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
];

let installed = false;

/**
 * Patches the wasm backend for training. It replaces the matrix-product
 * kernels (`BatchMatMul`, `_FusedMatMul`) with ones that transpose
 * explicitly and `MaxPoolGrad` with one that handles windows without a
 * positive value. It adds `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput` where the backend lacks them. Training
 * on the wasm backend, with `model.fit` or a loop of its own, then runs its
 * dense-layer gradients several times faster. It can train `conv2d`,
 * `depthwiseConv2d` and `separableConv2d` layers, and max pooling's
 * gradient is right whatever the sign of the pooled values.
 *
 * Call it after importing `@tensorflow/tfjs-backend-wasm`, before or after
 * `tf.setBackend("wasm")`. The changes apply to every later kernel call,
 * and later calls of this function do nothing. Depthwise convolutions train
 * in channels-last (NHWC) layout only, and without dilation because
 * tfjs-core 4.22's depthwise gradient rejects dilations above 1.
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

  if (registered.has(MaxPoolGrad)) unregisterKernel(MaxPoolGrad, WASM);
  registerKernel({
    kernelName: MaxPoolGrad,
    backendName: WASM,
    kernelFunc: maxPoolGrad,
  });

  for (const [kernelName, kernelFunc] of ADDED_KERNELS) {
    if (!registered.has(kernelName)) {
      registerKernel({ kernelName, backendName: WASM, kernelFunc });
    }
  }
}
