import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";

import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";

import {
  BENCH_CASES,
  type BenchLayout,
  type BenchResult,
  type BenchSettings,
  runOptimizerBench,
} from "../../bench/optimizers.js";
import { getKernelBackend } from "../../core/index.js";

/** The machine a benchmark ran on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  /** One-minute load average when the run started: other processes share the cores and memory bus. */
  loadAverage: number;
}

/** The JSON output of `descent bench --json`. */
export interface BenchReport {
  machine: MachineInfo;
  settings: { sizes: number[]; repeats: number; sampleMs: number };
  optimizers: BenchResult[];
  /** Rows of the tf.train comparison, or the reason it did not run. */
  tfjs: unknown[] | { skipped: string };
}

interface BenchFlags {
  quick?: boolean;
  json?: boolean;
  sizes?: number[];
  algorithms?: string[];
  repeats?: number;
  tfjs: boolean;
}

const FULL_SIZES = [1e5, 1e6, 1e7];
const QUICK_SIZES = [1e5, 1e6];
/** The goals for the kernels at 10 million parameters, as ratios to the streaming pass. */
const GOAL_SIZE = 1e7;
const GOAL_OWN = 1.2;
const GOAL_USER = 1.6;

/**
 * Registers `descent bench`, which times one optimizer step per parameter
 * for every algorithm and compares it with a pass that only streams the same
 * bytes through memory.
 */
export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(
      "time one step per parameter of every optimizer (TypeScript loops vs WebAssembly kernels) " +
        "against a memory-speed streaming pass",
    )
    .option(
      "--quick",
      "a short run: 100,000 and 1,000,000 parameters, 3 samples each",
    )
    .option("--json", "print the results as JSON instead of tables")
    .option(
      "--sizes <list>",
      "comma-separated parameter counts, each a multiple of 100 (default 1e5,1e6,1e7)",
      parseSizes,
    )
    .option(
      "--algorithms <list>",
      "comma-separated row labels or algorithm names to time (default: all)",
      parseAlgorithms,
    )
    .option(
      "--repeats <n>",
      "timed samples per measurement (default 7, 3 with --quick)",
      parseRepeats,
    )
    .option(
      "--no-tfjs",
      "skip the comparison with TensorFlow.js's tf.train optimizers",
    )
    .action(async (flags: BenchFlags) => {
      const report = await runBench(flags);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : `${formatReport(report)}\n`,
      );
    });
}

async function runBench(flags: BenchFlags): Promise<BenchReport> {
  const cases =
    flags.algorithms === undefined
      ? BENCH_CASES
      : selectCases(flags.algorithms);
  const sizes = flags.sizes ?? (flags.quick ? QUICK_SIZES : FULL_SIZES);
  const repeats = flags.repeats ?? (flags.quick ? 3 : 7);
  const sampleMs = flags.quick ? 10 : 40;
  const layouts: BenchLayout[] = ["flat", "tensors"];
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format: "bench [{bar}] {value}/{total} {label}",
          stream: process.stderr,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const settings: BenchSettings = {
    sizes,
    cases,
    layouts,
    repeats,
    sampleMs,
    onProgress: (done, total, label) => {
      if (bar === null) return;
      if (done === 0) bar.start(total, 0, { label });
      bar.update(done, { label });
      if (done === total) bar.stop();
    },
  };
  const machine = machineInfo();
  const optimizers = runOptimizerBench(settings);
  const tfjs = flags.tfjs
    ? await runTfjsComparison(Boolean(flags.quick))
    : { skipped: "--no-tfjs" };
  return {
    machine,
    settings: { sizes, repeats, sampleMs },
    optimizers,
    tfjs,
  };
}

function selectCases(names: string[]) {
  return BENCH_CASES.filter(
    (c) => names.includes(c.label) || names.includes(c.algorithm),
  );
}

interface TfjsBenchModule {
  benchTfjs?: (options?: Record<string, unknown>) => Promise<unknown[]>;
}

/** Modules, relative to this file in dist/, that may export `benchTfjs` once built. */
const TFJS_BENCH_MODULES = ["../../bench/tfjs.js", "../../tfjs/bench.js"];
/** The comparison as TypeScript source in a checkout, loaded through tsx. */
const TFJS_BENCH_SOURCE = new URL("../../../bench/tfjs.ts", import.meta.url);

/**
 * Runs the tf.train comparison: `benchTfjs` from the build if it is there,
 * else from the checkout's bench/tfjs.ts through the tsx dev dependency.
 */
async function runTfjsComparison(
  quick: boolean,
): Promise<unknown[] | { skipped: string }> {
  const loaded = await loadTfjsBench();
  if (typeof loaded === "string") return { skipped: loaded };
  return loaded(quick ? { largeSize: 100_000, repeats: 3 } : {});
}

async function loadTfjsBench(): Promise<
  NonNullable<TfjsBenchModule["benchTfjs"]> | string
> {
  for (const specifier of TFJS_BENCH_MODULES) {
    const module = await importIfPresent<TfjsBenchModule>(specifier);
    if (typeof module?.benchTfjs === "function") return module.benchTfjs;
  }
  if (!existsSync(TFJS_BENCH_SOURCE)) {
    return "benchTfjs is neither in this build nor in bench/tfjs.ts";
  }
  const tsx =
    await importIfPresent<typeof import("tsx/esm/api")>("tsx/esm/api");
  if (tsx === null) return "bench/tfjs.ts needs the tsx dev dependency";
  const module = (await tsx.tsImport(
    TFJS_BENCH_SOURCE.href,
    import.meta.url,
  )) as TfjsBenchModule;
  if (typeof module.benchTfjs !== "function") {
    return "bench/tfjs.ts exports no benchTfjs function";
  }
  return module.benchTfjs;
}

/** Imports `specifier`, or returns null if no such module is installed or built. */
async function importIfPresent<T>(specifier: string): Promise<T | null> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") {
      return null;
    }
    throw error;
  }
}

/** Describes this machine from /proc/cpuinfo where it exists, else from Node's os module. */
export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(
      readFileSync("/proc/cpuinfo", "utf8"),
    );
    if (match) cpu = match[1].trim();
  } catch {
    // Not Linux: os.cpus() gave the model.
  }
  return {
    cpu,
    cores: availableParallelism(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg()[0],
  };
}

/** Formats the report as one table per size and layout, then the goal check and the tf.train rows. */
export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `descent bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}, ` +
      `load average ${machine.loadAverage.toFixed(2)} at the start`,
    `kernels: ${getKernelBackend()}; fastest of ${report.settings.repeats} samples; ` +
      `ns per parameter per step, (ratio) to a pass streaming the same bytes`,
  ];
  const groups = new Map<string, BenchResult[]>();
  for (const result of report.optimizers) {
    const key = `${result.size.toLocaleString("en")} parameters, ${describeLayout(result)}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  for (const [title, results] of groups)
    lines.push("", title, formatTable(results));
  lines.push("", ...formatGoals(report.optimizers));
  lines.push("", ...formatTfjs(report.tfjs));
  return lines.join("\n");
}

function describeLayout(result: BenchResult): string {
  return result.tensors === 1 ? "1 tensor" : `${result.tensors} tensors`;
}

function formatTable(results: BenchResult[]): string {
  const header = [
    "algorithm",
    "bytes",
    "stream",
    "check",
    "js",
    "wasm user arrays",
    "wasm own memory",
  ];
  const rows = results.map((r) => [
    r.label,
    String(r.bytesPerParameter),
    r.streamNs.toFixed(3),
    r.checkNs.toFixed(3),
    formatTiming(r.modes.js.ns, r.modes.js.ratio),
    formatTiming(r.modes.wasm.ns, r.modes.wasm.ratio),
    formatTiming(r.modes.wasmOwn.ns, r.modes.wasmOwn.ratio),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i].length)),
  );
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function formatTiming(ns: number, ratio: number): string {
  return `${ns.toFixed(3)} (${ratio.toFixed(2)})`;
}

/** States, for the 10-million-parameter runs, the worst ratio of each wasm mode against its goal. */
function formatGoals(results: BenchResult[]): string[] {
  const atGoalSize = results.filter((r) => r.size === GOAL_SIZE);
  if (atGoalSize.length === 0)
    return [
      `goals: not checked, no run at ${GOAL_SIZE.toLocaleString("en")} parameters`,
    ];
  const worst = (mode: "wasm" | "wasmOwn") =>
    atGoalSize.reduce((a, b) =>
      b.modes[mode].ratio > a.modes[mode].ratio ? b : a,
    );
  const own = worst("wasmOwn");
  const user = worst("wasm");
  const verdict = (ratio: number, goal: number) =>
    ratio <= goal ? "met" : "missed";
  return [
    `goals at ${GOAL_SIZE.toLocaleString("en")} parameters (worst ratio over algorithms and layouts):`,
    `  own memory  <= ${GOAL_OWN}: ${own.modes.wasmOwn.ratio.toFixed(2)} (${own.label}, ${describeLayout(own)}) ${verdict(own.modes.wasmOwn.ratio, GOAL_OWN)}`,
    `  user arrays <= ${GOAL_USER}: ${user.modes.wasm.ratio.toFixed(2)} (${user.label}, ${describeLayout(user)}) ${verdict(user.modes.wasm.ratio, GOAL_USER)}`,
  ];
}

/** Formats the rows benchTfjs returned as a table with one column per field. */
function formatTfjs(tfjs: BenchReport["tfjs"]): string[] {
  if (!Array.isArray(tfjs))
    return [`tf.train comparison: skipped (${tfjs.skipped})`];
  const rows = tfjs as Record<string, unknown>[];
  const header = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) =>
    header.map((key) =>
      typeof row[key] === "number"
        ? (row[key] as number).toFixed(2)
        : String(row[key]),
    ),
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((line) => line[i].length)),
  );
  const table = [header, ...cells].map((line) =>
    line
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
  return ["tf.train comparison (times in ms):", ...table];
}

function parseSizes(value: string): number[] {
  return value.split(",").map((text) => {
    const size = Number(text.trim());
    if (!Number.isInteger(size) || size < 100 || size % 100 !== 0) {
      throw new InvalidArgumentError(
        `each size must be a whole multiple of 100 (the parameters are split into 100 tensors), got "${text}". Try 1e5,1e6.`,
      );
    }
    return size;
  });
}

function parseAlgorithms(value: string): string[] {
  const names = value
    .split(",")
    .map((text) => text.trim())
    .filter((text) => text.length > 0);
  const unknown = names.filter(
    (name) =>
      !BENCH_CASES.some((c) => c.label === name || c.algorithm === name),
  );
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown algorithm ${unknown.map((name) => JSON.stringify(name)).join(", ") || "(none given)"}. ` +
        `Choose from: ${BENCH_CASES.map((c) => c.label).join(", ")}.`,
    );
  }
  return names;
}

function parseRepeats(value: string): number {
  const repeats = Number(value);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new InvalidArgumentError(
      `must be a whole number >= 1, got "${value}". Try 7.`,
    );
  }
  return repeats;
}
