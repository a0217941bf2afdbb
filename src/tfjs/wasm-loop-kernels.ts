import {
  type DataType,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
  backend_util,
  util,
} from "@tensorflow/tfjs-core";

/**
 * Kernels for the TF.js WebAssembly backend (tfjs-backend-wasm 4.22) written
 * as plain loops over the backend's heap. The backend lacks three of them:
 * the two gradients of a depthwise convolution and the segment sum of a
 * gather's gradient. The fourth, a max-pooling gradient, replaces the
 * backend's own. Each sum runs in float64 in the order of
 * tfjs-backend-cpu 4.22's kernel, so the results equal that backend's bit
 * for bit. The exceptions are a depthwise dilation above 1, which these
 * kernels apply while tfjs-backend-cpu 4.22's ignore it (TF.js's own
 * gradient never requests one), and a segment sum of non-finite values
 * (see `unsortedSegmentSum`).
 */

export type KernelArgs = Parameters<KernelFunc>[0];

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): backend_util.TypedArray;
}

type Shape4D = [number, number, number, number];

/**
 * Returns the output positions [min, end) along one axis whose input
 * position y·stride + offset lies inside [0, inSize). A filter tap's offset
 * is its position times the dilation, less the padding before the axis.
 * The end need not be a whole number.
 */
export function outputRangeOfTap(
  offset: number,
  stride: number,
  inSize: number,
  outSize: number,
): [number, number] {
  const min = Math.max(0, Math.ceil(-offset / stride));
  return [min, Math.min(outSize, (inSize - offset) / stride)];
}

/*
 * Depthwise convolution. The input x is [N, H, W, C], the filter w
 * [FH, FW, C, M] and the output gradient dy [N, OH, OW, C·M]. With stride s,
 * dilation d and padding (top, left) before the first row and column, an
 * input pixel and a filter tap meet in an output pixel when
 *   xRow = yRow·s + wRow·d − top   and   xCol = yCol·s + wCol·d − left.
 * Output channel k = c·M + m reads input channel c.
 */

/**
 * Computes the convolution's geometry and checks that the input, filter and
 * output gradient shapes belong together.
 */
function depthwiseConvInfo(
  kernelName: string,
  inputShape: Shape4D,
  filterShape: Shape4D,
  dyShape: number[],
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs,
): backend_util.Conv2DInfo {
  // TF.js 4.22 gives these kernels no data format attribute, and its
  // depthwise kernels treat every tensor as channels-last.
  const { dataFormat } = attrs as { dataFormat?: string };
  if (dataFormat !== undefined && dataFormat !== "NHWC") {
    throw new Error(
      `${kernelName} on the wasm backend supports only dataFormat 'NHWC', ` +
        `got '${dataFormat}'. Transpose the tensors to channels-last.`,
    );
  }
  if (inputShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `${kernelName}: the input and filter must be rank 4, got shapes ` +
        `[${inputShape}] and [${filterShape}]. Pass an NHWC input ` +
        `[batch, height, width, channels] and a filter ` +
        `[height, width, channels, multiplier].`,
    );
  }
  if (inputShape[3] !== filterShape[2]) {
    throw new Error(
      `${kernelName}: the filter's input channels (${filterShape[2]}) must ` +
        `equal the input's (${inputShape[3]}). Pass the input and filter of ` +
        `one depthwise convolution.`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
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
 * Computes a depthwise convolution's filter gradient,
 *   dW[wRow, wCol, c, m] = Σ_{n, yRow, yCol} x[n, xRow, xCol, c] · dy[n, yRow, yCol, c·M + m],
 * over the output pixels whose input pixel lies inside x (padding adds 0).
 */
export function depthwiseConv2dBackpropFilter({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const x = inputs.x!;
  const dy = inputs.dy!;
  const filterAttrs =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseConvInfo(
    "DepthwiseConv2dNativeBackpropFilter",
    x.shape as Shape4D,
    filterAttrs.filterShape,
    dy.shape,
    filterAttrs,
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const multiplier = outChannels / inChannels;

  // Views into the heap go stale when an allocation grows it, so take them
  // after makeOutput.
  const wasm = backend as unknown as WasmBackend;
  const dW = wasm.makeOutput(info.filterShape, "float32");
  const dWValues = wasm.typedArrayFromHeap(dW);
  const xValues = wasm.typedArrayFromHeap(x);
  const dyValues = wasm.typedArrayFromHeap(dy);

  // One float64 sum per output channel k = c·M + m, so the inner loop
  // walks both tensors' channels in memory order.
  const sums = new Float64Array(outChannels);
  for (let wRow = 0; wRow < filterHeight; wRow++) {
    const rowOffset = wRow * dilationHeight - top;
    const [yRowMin, yRowEnd] = outputRangeOfTap(
      rowOffset,
      strideHeight,
      inHeight,
      outHeight,
    );
    for (let wCol = 0; wCol < filterWidth; wCol++) {
      const colOffset = wCol * dilationWidth - left;
      const [yColMin, yColEnd] = outputRangeOfTap(
        colOffset,
        strideWidth,
        inWidth,
        outWidth,
      );
      sums.fill(0);
      for (let n = 0; n < batchSize; n++) {
        for (let yRow = yRowMin; yRow < yRowEnd; yRow++) {
          const xRow = yRow * strideHeight + rowOffset;
          for (let yCol = yColMin; yCol < yColEnd; yCol++) {
            const xCol = yCol * strideWidth + colOffset;
            const xBase = ((n * inHeight + xRow) * inWidth + xCol) * inChannels;
            const dyBase =
              ((n * outHeight + yRow) * outWidth + yCol) * outChannels;
            for (let c = 0, k = 0; c < inChannels; c++) {
              const pixel = xValues[xBase + c];
              for (let m = 0; m < multiplier; m++, k++) {
                sums[k] += pixel * dyValues[dyBase + k];
              }
            }
          }
        }
      }
      dWValues.set(sums, (wRow * filterWidth + wCol) * outChannels);
    }
  }
  return dW;
}

/**
 * Computes a depthwise convolution's input gradient,
 *   dx[n, xRow, xCol, c] = Σ_{wRow, wCol, m} dy[n, yRow, yCol, c·M + m] · w[wRow, wCol, c, m],
 * over the filter taps that meet an existing output pixel: yRow =
 * (xRow + top − wRow·d) / s must be a whole number in [0, OH), and likewise
 * for columns.
 */
export function depthwiseConv2dBackpropInput({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const inputAttrs =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = depthwiseConvInfo(
    "DepthwiseConv2dNativeBackpropInput",
    inputAttrs.inputShape,
    filter.shape as Shape4D,
    dy.shape,
    { ...inputAttrs, filterShape: filter.shape as Shape4D },
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const multiplier = outChannels / inChannels;

  const wasm = backend as unknown as WasmBackend;
  const dx = wasm.makeOutput(info.inShape, "float32");
  const dxValues = wasm.typedArrayFromHeap(dx);
  const dyValues = wasm.typedArrayFromHeap(dy);
  const wValues = wasm.typedArrayFromHeap(filter);

  const lastRowTap = (filterHeight - 1) * dilationHeight;
  const lastColTap = (filterWidth - 1) * dilationWidth;
  // One float64 sum per input channel, so the inner loop walks dy's and the
  // filter's channels in memory order.
  const sums = new Float64Array(inChannels);
  for (let n = 0; n < batchSize; n++) {
    for (let xRow = 0; xRow < inHeight; xRow++) {
      // yRow·s = xRow + top − wRow·d with 0 ≤ wRow·d ≤ lastRowTap.
      const rowReach = xRow + top;
      const yRowMin = Math.max(
        0,
        Math.ceil((rowReach - lastRowTap) / strideHeight),
      );
      const yRowMax = Math.min(
        outHeight - 1,
        Math.floor(rowReach / strideHeight),
      );
      for (let xCol = 0; xCol < inWidth; xCol++) {
        const colReach = xCol + left;
        const yColMin = Math.max(
          0,
          Math.ceil((colReach - lastColTap) / strideWidth),
        );
        const yColMax = Math.min(
          outWidth - 1,
          Math.floor(colReach / strideWidth),
        );
        sums.fill(0);
        for (let yRow = yRowMin; yRow <= yRowMax; yRow++) {
          const rowTap = rowReach - yRow * strideHeight;
          if (rowTap % dilationHeight !== 0) continue;
          const wRow = rowTap / dilationHeight;
          for (let yCol = yColMin; yCol <= yColMax; yCol++) {
            const colTap = colReach - yCol * strideWidth;
            if (colTap % dilationWidth !== 0) continue;
            const wCol = colTap / dilationWidth;
            const dyBase =
              ((n * outHeight + yRow) * outWidth + yCol) * outChannels;
            const wBase = (wRow * filterWidth + wCol) * outChannels;
            for (let c = 0, k = 0; c < inChannels; c++) {
              for (let m = 0; m < multiplier; m++, k++) {
                sums[c] += dyValues[dyBase + k] * wValues[wBase + k];
              }
            }
          }
        }
        dxValues.set(
          sums,
          ((n * inHeight + xRow) * inWidth + xCol) * inChannels,
        );
      }
    }
  }
  return dx;
}

/**
 * Computes a 2-D max pooling's input gradient: each output pixel's dy goes
 * to the first input pixel, in row-major order, that contains its window's
 * maximum. Padded positions never count, and a window of NaNs passes no
 * gradient.
 *
 * tfjs-backend-wasm 4.22's own kernel (`src/cc/kernels/MaxPoolGrad.cc`)
 * starts each window's maximum at `std::numeric_limits<float>::min()`, the
 * smallest positive float, so a window without a positive value passes no
 * gradient at all. On a tie it picks the last maximum, where
 * tfjs-backend-cpu picks the first.
 */
export function maxPoolGrad({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const dy = inputs.dy!;
  const x = inputs.input!;
  const { filterSize, strides, pad, dimRoundingMode } =
    attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    x.shape as Shape4D,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(
      `MaxPoolGrad: dy must have the pooling's output shape ` +
        `[${info.outShape}], got [${dy.shape}]. Pass the output gradient of ` +
        `the same pooling.`,
    );
  }
  const { batchSize, inHeight, inWidth, inChannels: channels } = info;
  const { outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;

  const wasm = backend as unknown as WasmBackend;
  const dx = wasm.makeOutput(x.shape, "float32");
  const dxValues = wasm.typedArrayFromHeap(dx);
  const xValues = wasm.typedArrayFromHeap(x);
  const dyValues = wasm.typedArrayFromHeap(dy);

  // Windows overlap when the stride is below the filter size, so sum in
  // float64 and round once, as tfjs-backend-cpu does.
  const sums = new Float64Array(dxValues.length);
  for (let n = 0; n < batchSize; n++) {
    for (let yRow = 0; yRow < outHeight; yRow++) {
      const rowStart = Math.max(0, yRow * strideHeight - top);
      const rowEnd = Math.min(
        inHeight,
        yRow * strideHeight - top + filterHeight,
      );
      for (let yCol = 0; yCol < outWidth; yCol++) {
        const colStart = Math.max(0, yCol * strideWidth - left);
        const colEnd = Math.min(
          inWidth,
          yCol * strideWidth - left + filterWidth,
        );
        const dyBase = ((n * outHeight + yRow) * outWidth + yCol) * channels;
        for (let c = 0; c < channels; c++) {
          let max = Number.NEGATIVE_INFINITY;
          let argmax = -1;
          for (let xRow = rowStart; xRow < rowEnd; xRow++) {
            for (let xCol = colStart; xCol < colEnd; xCol++) {
              const index =
                ((n * inHeight + xRow) * inWidth + xCol) * channels + c;
              if (xValues[index] > max) {
                max = xValues[index];
                argmax = index;
              }
            }
          }
          if (argmax >= 0) sums[argmax] += dyValues[dyBase + c];
        }
      }
    }
  }
  for (let i = 0; i < sums.length; i++) dxValues[i] = sums[i];
  return dx;
}

/**
 * Computes a segment sum: row i of x, x[i, ...], is added to output row
 * segmentIds[i], giving an output of shape [numSegments, ...x.shape[1:]].
 * Rows whose id lies outside [0, numSegments) are dropped, as
 * tfjs-backend-cpu 4.22 drops them (TensorFlow drops negative ids and raises
 * an error for the others), and a segment without rows is 0. A gather's
 * gradient is one, so `tf.gather` and embedding layers need it to train.
 *
 * The result equals tfjs-backend-cpu 4.22's for finite x. That kernel
 * multiplies all of x by a 0/1 mask per segment, so a NaN or infinity in a
 * row turns its column to NaN in every segment. Here it reaches only its
 * own segment, as in TensorFlow's kernel, which adds row by row.
 */
export function unsortedSegmentSum({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo {
  const x = inputs.x!;
  const segmentIds = inputs.segmentIds!;
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum on the wasm backend: segmentIds must be 1-D with ` +
        `one id per row of x (${x.shape[0] ?? "x is a scalar"}), got shape ` +
        `[${segmentIds.shape}]. Reshape x to [ids, ...] and the ids to 1-D.`,
    );
  }
  const rowShape = x.shape.slice(1);
  const rowSize = util.sizeFromShape(rowShape);

  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput([numSegments, ...rowShape], x.dtype);
  const outValues = wasm.typedArrayFromHeap(out);
  const xValues = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);

  // Each segment's sum adds its rows in ascending order, as the cpu
  // backend's does, and rounds once.
  const sums = new Float64Array(outValues.length);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    if (segment < 0 || segment >= numSegments) continue;
    const outBase = segment * rowSize;
    const xBase = row * rowSize;
    for (let j = 0; j < rowSize; j++) sums[outBase + j] += xValues[xBase + j];
  }
  outValues.set(sums);
  return out;
}
