import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";

import { setupBackend } from "./backend.js";

describe("setupBackend", () => {
  it("runs wasm single-threaded with SIMD", async () => {
    const info = await setupBackend("wasm");
    expect(info).toEqual({ name: "wasm", simd: true, threads: 1 });
    expect(tf.getBackend()).toBe("wasm");
  });

  it("switches to cpu and back", async () => {
    expect((await setupBackend("cpu")).name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    await setupBackend("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  it("rejects turning SIMD off once wasm is loaded", async () => {
    await setupBackend("wasm");
    await expect(setupBackend("wasm", { simd: false })).rejects.toThrow(
      /already set up with simd: true.*new process/,
    );
  });

  it("rejects an unknown backend", async () => {
    await expect(setupBackend("webgl" as never)).rejects.toThrow(
      "Unknown backend 'webgl': choose one of wasm, cpu.",
    );
  });
});
