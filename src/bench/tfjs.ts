/**
 * Times one optimizer update of descent's TF.js adapter against TF.js's own
 * `tf.train` optimizer on the CPU and WebAssembly backends, for one large
 * variable and for many small ones. Gradients are made beforehand, so only
 * `applyGradients` is timed.
 *
 * Run alone: `npx tsx src/bench/tfjs.ts` (add `--quick` for small sizes).
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

import { createTfjsOptimizer } from "../tfjs/index.js";

/** One measured comparison. Times are per update, the median over `repeats` rounds, in milliseconds. */
export interface Row {
  backend: "cpu" | "wasm";
  /** The variables updated, e.g. "1 × 10,000,000" or "100 × 1,024". */
  variables: string;
  algorithm: string;
  /** descent with direct access to the backend's storage (the default). */
  descentMs: number;
  /** descent with `directAccess: false`: copies through dataSync() and assign(). */
  descentCopyMs: number;
  tfTrainMs: number;
  /** tfTrainMs / descentMs: how many times faster descent's update is. */
  speedup: number;
}

export interface BenchTfjsOptions {
  backends?: ReadonlyArray<"cpu" | "wasm">;
  /** Elements of the single large variable. Default 10,000,000. */
  largeSize?: number;
  /** Number of small variables. Default 100. */
  smallCount?: number;
  /** Elements of each small variable. Default 1,024. */
  smallSize?: number;
  /** Timed rounds per measurement, after the untimed warm-up. Default 9. */
  repeats?: number;
}

const require = createRequire(import.meta.url);
let wasmReady = false;

async function useBackend(name: "cpu" | "wasm"): Promise<void> {
  if (name === "wasm" && !wasmReady) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`);
    wasmReady = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend "${name}" failed to initialise.`);
  await tf.ready();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Contender {
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
  gradients: tf.Tensor[];
  times: number[];
}

function prepare(makeOptimizer: () => tf.Optimizer, sizes: number[]): Contender {
  const variables = sizes.map((n, i) =>
    tf.tidy(() => tf.variable(tf.randomUniform([n], -1, 1, "float32", i), true)),
  );
  const gradients = sizes.map((n, i) => tf.randomUniform([n], -1, 1, "float32", 1000 + i));
  return { optimizer: makeOptimizer(), variables, gradients, times: [] };
}

/** Runs `count` updates and returns the mean time of one, in milliseconds. */
function update(contender: Contender, count: number): number {
  const pairs = contender.variables.map((v, i) => ({ name: v.name, tensor: contender.gradients[i] }));
  const start = performance.now();
  for (let k = 0; k < count; k++) contender.optimizer.applyGradients(pairs);
  return (performance.now() - start) / count;
}

/**
 * Runs untimed updates, at least 2 and up to 200 or 300 ms' worth, so that
 * the JIT has compiled the update before it is timed.
 */
function warmUp(contender: Contender): void {
  let spent = 0;
  for (let count = 0; count < 2 || (count < 200 && spent < 300); count++) spent += update(contender, 1);
}

/**
 * Returns the median time of one `applyGradients` call for each optimizer. The
 * optimizers take turns, so a slow moment of a shared machine hits all
 * alike. Small updates are timed in batches of up to 20, so a garbage
 * collection left behind by another contender is spread over the batch.
 */
function timeUpdates(makers: Array<() => tf.Optimizer>, sizes: number[], repeats: number): number[] {
  const contenders = makers.map((make) => prepare(make, sizes));
  const elements = sizes.reduce((sum, n) => sum + n, 0);
  const batch = Math.min(20, Math.max(1, Math.ceil(1e6 / elements)));
  contenders.forEach(warmUp);
  for (let k = 0; k < repeats; k++) {
    for (const contender of contenders) contender.times.push(update(contender, batch));
  }
  for (const { optimizer, variables, gradients } of contenders) {
    optimizer.dispose();
    tf.dispose([...variables, ...gradients]);
  }
  return contenders.map((c) => median(c.times));
}

/**
 * Measures descent's Adam against tf.train.adam and returns one row per
 * backend and case. The backend active before the call is active again after it.
 */
export async function benchTfjs(options: BenchTfjsOptions = {}): Promise<Row[]> {
  const {
    backends = ["cpu", "wasm"],
    largeSize = 10_000_000,
    smallCount = 100,
    smallSize = 1024,
    repeats = 9,
  } = options;
  const cases = [
    { variables: `1 × ${largeSize.toLocaleString("en")}`, sizes: [largeSize] },
    { variables: `${smallCount} × ${smallSize.toLocaleString("en")}`, sizes: Array(smallCount).fill(smallSize) },
  ];
  const lr = 1e-3;
  const rows: Row[] = [];
  const previousBackend = tf.engine().backendName;
  for (const backend of backends) {
    await useBackend(backend);
    for (const { variables, sizes } of cases) {
      const [descentMs, descentCopyMs, tfTrainMs] = timeUpdates(
        [
          () => createTfjsOptimizer("adam", { lr }),
          () => createTfjsOptimizer("adam", { lr, directAccess: false }),
          () => tf.train.adam(lr),
        ],
        sizes,
        repeats,
      );
      rows.push({
        backend,
        variables,
        algorithm: "adam",
        descentMs,
        descentCopyMs,
        tfTrainMs,
        speedup: tfTrainMs / descentMs,
      });
    }
  }
  if (previousBackend) await tf.setBackend(previousBackend);
  return rows;
}

function formatRows(rows: Row[]): string {
  const header = ["backend", "variables", "descent ms", "descent copy ms", "tf.train ms", "speedup"];
  const lines = rows.map((r) => [
    r.backend,
    r.variables,
    r.descentMs.toFixed(2),
    r.descentCopyMs.toFixed(2),
    r.tfTrainMs.toFixed(2),
    `${r.speedup.toFixed(1)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines].map((cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ")).join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  const rows = await benchTfjs(quick ? { largeSize: 100_000, repeats: 3 } : {});
  console.log("One Adam update, descent vs tf.train.adam (median, Node " + process.version + ")");
  console.log(formatRows(rows));
}
