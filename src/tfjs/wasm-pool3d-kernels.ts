import {
  type MaxPool3DAttrs,
  type MaxPool3DGradAttrs,
  type TensorInfo,
  backend_util,
} from "@tensorflow/tfjs-core";

import type { KernelArgs, WasmBackend } from "./wasm-loop-kernels.js";

/**
 * 3-D max pooling for the TF.js WebAssembly backend (tfjs-backend-wasm
 * 4.22), as loops over the backend's heap, to replace the backend's
 * `MaxPool3D` and `MaxPool3DGrad`. Both of those (`MaxPool3D.cc` and
 * `MaxPool3DGrad.cc` in `src/cc/kernels/`) start each window's maximum at
 * `std::numeric_limits<float>::min()`, the smallest positive float. So a
 * window without a positive value outputs that number, and its gradient is
 * dropped or added to the tensor's first element.
 *
 * Both kernels here skip NaNs and take the last maximum of a window in
 * depth, row, column order on a tie, as tfjs-backend-cpu 4.22 does, so the
 * results equal that backend's bit for bit. The exception is the gradient
 * for a window whose height and width differ: tfjs-backend-cpu 4.22 indexes
 * the window's rows by its height instead of its width there
 * (`maxPool3dPositions`) and routes the gradient to the wrong element.
 */

type Shape5D = [number, number, number, number, number];

/** Computes the pooling's geometry for NDHWC tensors. */
function pool3dInfo(
  kernelName: string,
  inputShape: number[],
  attrs: MaxPool3DGradAttrs & { dataFormat?: string },
): backend_util.Conv3DInfo {
  const { dataFormat } = attrs;
  if (dataFormat !== undefined && dataFormat !== "NDHWC") {
    throw new Error(
      `${kernelName} on the wasm backend supports only dataFormat 'NDHWC', ` +
        `got '${dataFormat}'. Transpose the input to channels-last.`,
    );
  }
  if (inputShape.length !== 5) {
    throw new Error(
      `${kernelName}: the input must be rank 5, got shape ` +
        `[${inputShape}]. Pass an NDHWC input ` +
        `[batch, depth, height, width, channels].`,
    );
  }
  return backend_util.computePool3DInfo(
    inputShape as Shape5D,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * Returns the input range [start, end) along one axis of an output pixel's
 * window.
 */
function windowRange(
  outIndex: number,
  stride: number,
  padBefore: number,
  filterSize: number,
  inSize: number,
): [number, number] {
  const corner = outIndex * stride - padBefore;
  return [Math.max(0, corner), Math.min(inSize, corner + filterSize)];
}

/**
 * Visits every output pixel of a 3-D pooling in memory order with the
 * offsets of its window's input pixels, in depth, row, column order. Each
 * input offset points at channel 0 of an input pixel, and the output offset
 * at channel 0 of the output pixel.
 */
function forEachWindow(
  info: backend_util.Conv3DInfo,
  visit: (outOffset: number, inOffsets: number[]) => void,
): void {
  const { batchSize, inDepth, inHeight, inWidth, inChannels } = info;
  const { outDepth, outHeight, outWidth } = info;
  const { front, top, left } = info.padInfo;
  const inOffsets: number[] = [];
  let outOffset = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let yDepth = 0; yDepth < outDepth; yDepth++) {
      const [depthStart, depthEnd] = windowRange(
        yDepth,
        info.strideDepth,
        front,
        info.filterDepth,
        inDepth,
      );
      for (let yRow = 0; yRow < outHeight; yRow++) {
        const [rowStart, rowEnd] = windowRange(
          yRow,
          info.strideHeight,
          top,
          info.filterHeight,
          inHeight,
        );
        for (let yCol = 0; yCol < outWidth; yCol++) {
          const [colStart, colEnd] = windowRange(
            yCol,
            info.strideWidth,
            left,
            info.filterWidth,
            inWidth,
          );
          inOffsets.length = 0;
          for (let xDepth = depthStart; xDepth < depthEnd; xDepth++) {
            for (let xRow = rowStart; xRow < rowEnd; xRow++) {
              const rowBase =
                ((n * inDepth + xDepth) * inHeight + xRow) * inWidth;
              for (let xCol = colStart; xCol < colEnd; xCol++) {
                inOffsets.push((rowBase + xCol) * inChannels);
              }
            }
          }
          visit(outOffset, inOffsets);
          outOffset += inChannels;
        }
      }
    }
  }
}

/**
 * Computes a 3-D max pooling. NaNs are skipped, so a window of NaNs outputs
 * -Infinity.
 */
export function maxPool3D({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x!;
  const info = pool3dInfo(
    "MaxPool3D",
    x.shape,
    attrs as unknown as MaxPool3DAttrs,
  );
  const channels = info.inChannels;

  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput(info.outShape, "float32");
  const outValues = wasm.typedArrayFromHeap(out);
  const xValues = wasm.typedArrayFromHeap(x);

  const maxima = new Float32Array(channels);
  forEachWindow(info, (outOffset, inOffsets) => {
    maxima.fill(Number.NEGATIVE_INFINITY);
    for (const inOffset of inOffsets) {
      for (let c = 0; c < channels; c++) {
        const value = xValues[inOffset + c];
        if (value > maxima[c]) maxima[c] = value;
      }
    }
    outValues.set(maxima, outOffset);
  });
  return out;
}

/**
 * Computes a 3-D max pooling's input gradient: each output pixel's dy goes
 * to the last input pixel of its window that contains the window's maximum.
 * Padded positions never count, and a window of NaNs passes no gradient.
 */
export function maxPool3DGrad({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const dy = inputs.dy!;
  const x = inputs.input!;
  const info = pool3dInfo(
    "MaxPool3DGrad",
    x.shape,
    attrs as unknown as MaxPool3DGradAttrs,
  );
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(
      `MaxPool3DGrad: dy must have the pooling's output shape ` +
        `[${info.outShape}], got [${dy.shape}]. Pass the output gradient of ` +
        `the same pooling.`,
    );
  }
  const channels = info.inChannels;

  const wasm = backend as unknown as WasmBackend;
  const dx = wasm.makeOutput(x.shape, "float32");
  const dxValues = wasm.typedArrayFromHeap(dx);
  const xValues = wasm.typedArrayFromHeap(x);
  const dyValues = wasm.typedArrayFromHeap(dy);

  // Windows overlap when the stride is below the filter size. Each element
  // sums its share in output order in float64 and rounds once, as
  // tfjs-backend-cpu does.
  const sums = new Float64Array(dxValues.length);
  const maxima = new Float32Array(channels);
  const argmax = new Int32Array(channels);
  forEachWindow(info, (outOffset, inOffsets) => {
    maxima.fill(Number.NEGATIVE_INFINITY);
    argmax.fill(-1);
    for (const inOffset of inOffsets) {
      for (let c = 0; c < channels; c++) {
        const value = xValues[inOffset + c];
        if (value >= maxima[c]) {
          maxima[c] = value;
          argmax[c] = inOffset + c;
        }
      }
    }
    for (let c = 0; c < channels; c++) {
      if (argmax[c] >= 0) sums[argmax[c]] += dyValues[outOffset + c];
    }
  });
  dxValues.set(sums);
  return dx;
}
