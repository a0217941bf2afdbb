import { createRequire } from "node:module";
import { dirname } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** The TF.js backends the adapter is tested on. */
export const TEST_BACKENDS = ["cpu", "wasm"] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

const require = createRequire(import.meta.url);
let wasmPathsSet = false;

/**
 * Makes `name` the active backend. The WebAssembly backend loads its `.wasm`
 * binaries from the installed @tensorflow/tfjs-backend-wasm package, single-threaded.
 */
export async function useBackend(name: TestBackend): Promise<void> {
  if (name === "wasm" && !wasmPathsSet) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setWasmPaths(
      `${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`,
    );
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend(name))) {
    throw new Error(`The TF.js backend "${name}" failed to initialise.`);
  }
  await tf.ready();
}
