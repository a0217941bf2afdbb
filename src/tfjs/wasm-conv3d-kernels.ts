import {
  type Conv3DBackpropFilterV2Attrs,
  type Conv3DBackpropInputV2Attrs,
  type TensorInfo,
  backend_util,
} from "@tensorflow/tfjs-core";

import {
  type KernelArgs,
  type WasmBackend,
  outputRangeOfTap,
} from "./wasm-loop-kernels.js";

/**
 * The two gradients of a 3-D convolution for the TF.js WebAssembly backend
 * (tfjs-backend-wasm 4.22), as loops over the backend's heap, to replace
 * the backend's `Conv3DBackpropInputV2` and `Conv3DBackpropFilterV2`. In
 * tfjs-backend-wasm 4.22 the input gradient is wrong with a stride above 1
 * or "same" padding, and at times for other shapes too, changing from one
 * call to the next. The filter gradient is wrong with a stride above 1. Their C++ source
 * (`src/cc/conv3d_impl.h`) finds the output pixels that meet an input
 * pixel or a filter tap with integer division that rounds towards zero
 * where a negative offset needs it rounded down, and the input gradient's
 * upper bound leaves out the input pixel's position, so that kernel also
 * reads outside its tensors.
 *
 * Each sum here runs in float64 in the order of tfjs-backend-cpu 4.22's
 * kernel, so the results equal that backend's bit for bit.
 *
 * The input x is [N, D, H, W, C], the filter w [FD, FH, FW, C, K] and the
 * output gradient dy [N, OD, OH, OW, K]. With stride s and padding (front,
 * top, left) before the first frame, row and column, an input pixel and a
 * filter tap meet in an output pixel when
 *   xDepth = yDepth·s + wDepth − front, and likewise for rows and columns.
 * TF.js's 3-D convolution gradient rejects dilations above 1, so these
 * kernels have none.
 */

type Shape5D = [number, number, number, number, number];

/**
 * Computes the convolution's geometry and checks that the input, filter and
 * output gradient shapes belong together.
 */
function conv3dInfo(
  kernelName: string,
  inputShape: number[],
  filterShape: number[],
  dyShape: number[],
  attrs: {
    strides: Conv3DBackpropInputV2Attrs["strides"];
    pad: "valid" | "same";
  },
): backend_util.Conv3DInfo {
  if (inputShape.length !== 5 || filterShape.length !== 5) {
    throw new Error(
      `${kernelName}: the input and filter must be rank 5, got shapes ` +
        `[${inputShape}] and [${filterShape}]. Pass an NDHWC input and a ` +
        `filter [depth, height, width, inChannels, outChannels].`,
    );
  }
  if (inputShape[4] !== filterShape[3]) {
    throw new Error(
      `${kernelName}: the filter's input channels (${filterShape[3]}) must ` +
        `equal the input's (${inputShape[4]}). Pass the input and filter of ` +
        `one convolution.`,
    );
  }
  const info = backend_util.computeConv3DInfo(
    inputShape as Shape5D,
    filterShape as Shape5D,
    attrs.strides,
    1,
    attrs.pad,
  );
  if (dyShape.join() !== info.outShape.join()) {
    throw new Error(
      `${kernelName}: dy must have the convolution's output shape ` +
        `[${info.outShape}], got [${dyShape}]. Pass the output gradient of ` +
        `the same convolution.`,
    );
  }
  return info;
}

/**
 * Returns the output pixels [min, end) along one axis whose window contains
 * input position xIndex. The end need not be a whole number.
 */
function outputRangeOfInput(
  xIndex: number,
  stride: number,
  padBefore: number,
  filterSize: number,
  outSize: number,
): [number, number] {
  // yIndex·s = xIndex + padBefore − wIndex with 0 ≤ wIndex < filterSize.
  const reach = xIndex + padBefore;
  const min = Math.max(0, Math.ceil((reach - filterSize + 1) / stride));
  return [min, Math.min(outSize, (reach + 1) / stride)];
}

/**
 * Computes a 3-D convolution's input gradient,
 *   dx[n, xDepth, xRow, xCol, c] = Σ_{yDepth, yRow, yCol, k} dy[n, yDepth, yRow, yCol, k] · w[wDepth, wRow, wCol, c, k],
 * over the output pixels whose window contains the input pixel.
 */
export function conv3DBackpropInputV2({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const inputAttrs = attrs as unknown as Conv3DBackpropInputV2Attrs;
  const info = conv3dInfo(
    "Conv3DBackpropInputV2",
    inputAttrs.inputShape,
    filter.shape,
    dy.shape,
    inputAttrs,
  );
  const { batchSize, inDepth, inHeight, inWidth, inChannels } = info;
  const { outDepth, outHeight, outWidth, outChannels } = info;
  const { filterDepth, filterHeight, filterWidth } = info;
  const { strideDepth, strideHeight, strideWidth } = info;
  const { front, top, left } = info.padInfo;

  const wasm = backend as unknown as WasmBackend;
  const dx = wasm.makeOutput(info.inShape, "float32");
  const dxValues = wasm.typedArrayFromHeap(dx);
  const dyValues = wasm.typedArrayFromHeap(dy);
  const wValues = wasm.typedArrayFromHeap(filter);

  // One float64 sum per input channel. Each adds its terms in ascending
  // output pixel, then output channel, as the cpu backend's does.
  const sums = new Float64Array(inChannels);
  const tapSize = inChannels * outChannels;
  let dxOffset = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let xDepth = 0; xDepth < inDepth; xDepth++) {
      const [depthMin, depthEnd] = outputRangeOfInput(
        xDepth,
        strideDepth,
        front,
        filterDepth,
        outDepth,
      );
      for (let xRow = 0; xRow < inHeight; xRow++) {
        const [rowMin, rowEnd] = outputRangeOfInput(
          xRow,
          strideHeight,
          top,
          filterHeight,
          outHeight,
        );
        for (let xCol = 0; xCol < inWidth; xCol++) {
          const [colMin, colEnd] = outputRangeOfInput(
            xCol,
            strideWidth,
            left,
            filterWidth,
            outWidth,
          );
          sums.fill(0);
          for (let yDepth = depthMin; yDepth < depthEnd; yDepth++) {
            const wDepth = xDepth + front - yDepth * strideDepth;
            for (let yRow = rowMin; yRow < rowEnd; yRow++) {
              const wRow = xRow + top - yRow * strideHeight;
              for (let yCol = colMin; yCol < colEnd; yCol++) {
                const wCol = xCol + left - yCol * strideWidth;
                const dyBase =
                  (((n * outDepth + yDepth) * outHeight + yRow) * outWidth +
                    yCol) *
                  outChannels;
                const wBase =
                  ((wDepth * filterHeight + wRow) * filterWidth + wCol) *
                  tapSize;
                for (let c = 0; c < inChannels; c++) {
                  const wChannel = wBase + c * outChannels;
                  for (let k = 0; k < outChannels; k++) {
                    sums[c] += dyValues[dyBase + k] * wValues[wChannel + k];
                  }
                }
              }
            }
          }
          dxValues.set(sums, dxOffset);
          dxOffset += inChannels;
        }
      }
    }
  }
  return dx;
}

/**
 * Computes a 3-D convolution's filter gradient,
 *   dW[wDepth, wRow, wCol, c, k] = Σ_{n, yDepth, yRow, yCol} x[n, xDepth, xRow, xCol, c] · dy[n, yDepth, yRow, yCol, k],
 * over the output pixels whose input pixel lies inside x (padding adds 0).
 */
export function conv3DBackpropFilterV2({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const x = inputs.x!;
  const dy = inputs.dy!;
  const filterAttrs = attrs as unknown as Conv3DBackpropFilterV2Attrs;
  const info = conv3dInfo(
    "Conv3DBackpropFilterV2",
    x.shape,
    filterAttrs.filterShape,
    dy.shape,
    filterAttrs,
  );
  const { batchSize, inDepth, inHeight, inWidth, inChannels } = info;
  const { outDepth, outHeight, outWidth, outChannels } = info;
  const { filterDepth, filterHeight, filterWidth } = info;
  const { strideDepth, strideHeight, strideWidth } = info;
  const { front, top, left } = info.padInfo;

  const wasm = backend as unknown as WasmBackend;
  const dW = wasm.makeOutput(info.filterShape, "float32");
  const dWValues = wasm.typedArrayFromHeap(dW);
  const xValues = wasm.typedArrayFromHeap(x);
  const dyValues = wasm.typedArrayFromHeap(dy);

  // One float64 sum per (c, k) of a tap. Each adds its terms in ascending
  // batch and output pixel, as the cpu backend's does.
  const tapSize = inChannels * outChannels;
  const sums = new Float64Array(tapSize);
  for (let wDepth = 0; wDepth < filterDepth; wDepth++) {
    const [depthMin, depthEnd] = outputRangeOfTap(
      wDepth - front,
      strideDepth,
      inDepth,
      outDepth,
    );
    for (let wRow = 0; wRow < filterHeight; wRow++) {
      const [rowMin, rowEnd] = outputRangeOfTap(
        wRow - top,
        strideHeight,
        inHeight,
        outHeight,
      );
      for (let wCol = 0; wCol < filterWidth; wCol++) {
        const [colMin, colEnd] = outputRangeOfTap(
          wCol - left,
          strideWidth,
          inWidth,
          outWidth,
        );
        sums.fill(0);
        for (let n = 0; n < batchSize; n++) {
          for (let yDepth = depthMin; yDepth < depthEnd; yDepth++) {
            const xDepth = yDepth * strideDepth + wDepth - front;
            for (let yRow = rowMin; yRow < rowEnd; yRow++) {
              const xRow = yRow * strideHeight + wRow - top;
              for (let yCol = colMin; yCol < colEnd; yCol++) {
                const xCol = yCol * strideWidth + wCol - left;
                const xBase =
                  (((n * inDepth + xDepth) * inHeight + xRow) * inWidth +
                    xCol) *
                  inChannels;
                const dyBase =
                  (((n * outDepth + yDepth) * outHeight + yRow) * outWidth +
                    yCol) *
                  outChannels;
                for (let c = 0, ck = 0; c < inChannels; c++) {
                  const pixel = xValues[xBase + c];
                  for (let k = 0; k < outChannels; k++, ck++) {
                    sums[ck] += pixel * dyValues[dyBase + k];
                  }
                }
              }
            }
          }
        }
        const tap = (wDepth * filterHeight + wRow) * filterWidth + wCol;
        dWValues.set(sums, tap * tapSize);
      }
    }
  }
  return dW;
}
