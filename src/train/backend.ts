import { createRequire } from "node:module";
import { dirname } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

import { installWasmTrainingKernels } from "../tfjs/wasm-kernels.js";

/**
 * TF.js backends that install from the npm registry alone. `wasm` is the
 * WebAssembly backend (XNNPACK kernels); `cpu` is plain JavaScript, several
 * times slower but the reference.
 */
export const BACKENDS = ["wasm", "cpu"] as const;

export type BackendName = (typeof BACKENDS)[number];

/** Backend configuration that `setupBackend` returns. */
export interface BackendInfo {
  name: BackendName;
  /** Whether the wasm backend runs its SIMD build; false for `cpu`. */
  simd: boolean;
  /** Threads the wasm backend uses; 1 for `cpu`. */
  threads: number;
}

export interface BackendOptions {
  /**
   * Whether the wasm backend may use its SIMD build when the runtime supports
   * it (Node 16.4 and later do). Default true; false forces the plain build.
   */
  simd?: boolean;
}

const require = createRequire(import.meta.url);

/** Folder holding tfjs-backend-wasm's `.wasm` files, ending in a slash. */
export function wasmBinaryFolder(): string {
  return `${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`;
}

// The `simd` option the process's single wasm module was set up with.
let wasmSimdOption: boolean | undefined;

/**
 * Selects and initialises the TF.js backend for training in Node.
 *
 * For `wasm` it loads the `.wasm` binaries from the installed
 * `@tensorflow/tfjs-backend-wasm` package, turns multithreading off (the
 * package's thread pool needs Web Workers and is off in Node anyway) and
 * installs the training kernels of `wasm-kernels.ts`.
 *
 * @throws Error if `name` is not a known backend, or the wasm backend was
 *   already set up in this process with the other `simd` option (the wasm
 *   module loads once per process).
 */
export async function setupBackend(
  name: BackendName = "wasm",
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(
      `Unknown backend '${name}': choose one of ${BACKENDS.join(", ")}.`,
    );
  }
  const simdWanted = options.simd ?? true;
  const switched = wasmSimdOption !== undefined && wasmSimdOption !== simdWanted;
  if (name === "wasm" && switched) {
    throw new Error(
      `The wasm backend was already set up with simd: ${wasmSimdOption}; ` +
        `the wasm module loads once per process, so run the job with ` +
        `simd: ${simdWanted} in a new process.`,
    );
  }

  if (name === "wasm" && wasmSimdOption === undefined) {
    wasmSimdOption = simdWanted;
    const env = tf.env();
    env.set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    // Left unset, the flag is true where the runtime validates SIMD code.
    if (!simdWanted) env.set("WASM_HAS_SIMD_SUPPORT", false);
    setWasmPaths(wasmBinaryFolder());
    installWasmTrainingKernels();
  }

  const ok = await tf.setBackend(name);
  if (!ok) {
    throw new Error(
      `TF.js backend '${name}' failed to initialise. For wasm, check that ` +
        `${wasmBinaryFolder()} holds the .wasm files of ` +
        `@tensorflow/tfjs-backend-wasm; or choose the cpu backend.`,
    );
  }
  await tf.ready();

  if (name === "cpu") return { name, simd: false, threads: 1 };
  const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  return { name, simd, threads: 1 };
}

