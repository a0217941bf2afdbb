import {
  BatchMatMul,
  Conv2DBackpropFilter,
  getKernel,
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

    await import("@tensorflow/tfjs-backend-wasm");
    const stock = getKernel(BatchMatMul, "wasm");
    expect(stock).toBeDefined();
    installWasmTrainingKernels();
    expect(getKernel(Conv2DBackpropFilter, "wasm")).toBeDefined();
    expect(getKernel(BatchMatMul, "wasm")?.kernelFunc).not.toBe(
      stock?.kernelFunc,
    );
  });
});
