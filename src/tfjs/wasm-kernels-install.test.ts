import {
  BatchMatMul,
  Conv2DBackpropFilter,
  Conv3DBackpropFilterV2,
  Conv3DBackpropInputV2,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  type KernelFunc,
  MaxPool3D,
  MaxPool3DGrad,
  MaxPoolGrad,
  UnsortedSegmentSum,
  getKernel,
  registerKernel,
} from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";

import { installWasmTrainingKernels } from "./wasm-kernels.js";

/**
 * installWasmTrainingKernels before and after the wasm backend's package is
 * imported. This file imports that package only inside the test, so its
 * kernels are missing at first.
 */
describe("installWasmTrainingKernels before the backend", () => {
  it("raises, then installs once the backend is imported", async () => {
    expect(getKernel(BatchMatMul, "wasm")).toBeUndefined();
    expect(() => installWasmTrainingKernels()).toThrow(
      /^installWasmTrainingKernels: the wasm backend's BatchMatMul and _FusedMatMul kernels are not registered, .* Import "@tensorflow\/tfjs-backend-wasm" before calling it\.$/,
    );
    expect(getKernel(Conv2DBackpropFilter, "wasm")).toBeUndefined();
    expect(
      getKernel(DepthwiseConv2dNativeBackpropFilter, "wasm"),
    ).toBeUndefined();

    await import("@tensorflow/tfjs-backend-wasm");
    const stock = getKernel(BatchMatMul, "wasm");
    expect(stock).toBeDefined();
    expect(getKernel(UnsortedSegmentSum, "wasm")).toBeUndefined();
    const replaced = [
      MaxPoolGrad,
      MaxPool3D,
      MaxPool3DGrad,
      Conv3DBackpropInputV2,
      Conv3DBackpropFilterV2,
    ];
    const stockReplaced = replaced.map((name) => getKernel(name, "wasm"));
    stockReplaced.forEach((kernel, i) => {
      expect(kernel, replaced[i]).toBeDefined();
    });
    // A kernel the backend already has stays, as from a later backend version.
    const own: KernelFunc = () => {
      throw new Error("not called");
    };
    registerKernel({
      kernelName: DepthwiseConv2dNativeBackpropInput,
      backendName: "wasm",
      kernelFunc: own,
    });

    installWasmTrainingKernels();
    expect(getKernel(Conv2DBackpropFilter, "wasm")).toBeDefined();
    expect(
      getKernel(DepthwiseConv2dNativeBackpropFilter, "wasm"),
    ).toBeDefined();
    expect(
      getKernel(DepthwiseConv2dNativeBackpropInput, "wasm")?.kernelFunc,
    ).toBe(own);
    expect(getKernel(BatchMatMul, "wasm")?.kernelFunc).not.toBe(
      stock?.kernelFunc,
    );
    expect(getKernel(UnsortedSegmentSum, "wasm")).toBeDefined();
    replaced.forEach((name, i) => {
      expect(getKernel(name, "wasm")?.kernelFunc, name).not.toBe(
        stockReplaced[i]?.kernelFunc,
      );
    });
  });
});
