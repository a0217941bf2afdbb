import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";

import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError, Option } from "commander";

import {
  BENCH_CASES,
  type BenchLayout,
  type BenchResult,
  type BenchSettings,
  runOptimizerBench,
  timeRootDivide,
} from "../../bench/optimizers.js";
import { type Row as TfjsRow, benchTfjs } from "../../bench/tfjs.js";
import {
  ACCURACY_EPOCHS,
  BATCH_SIZE,
  FULL_DATASET,
  LEARNING_RATE,
  TIME_RATIO_GOAL,
  type TrainingBenchResult,
  benchTraining,
} from "../../bench/training.js";
import { getKernelBackend } from "../../core/index.js";
import { SHIPPED_DATA_DIR, loadFashionMnist } from "../../train/idx.js";
import { parseDecimal } from "../options.js";

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
  /**
   * Nanoseconds per element of a pass that takes one square root and one
   * division per element over arrays in the L1 cache: a lower bound, on this
   * machine, for every kernel that takes a root of its state.
   */
  rootDivideNs: number;
  optimizers: BenchResult[];
  /** Rows of the tf.train comparison, or the reason it did not run. */
  tfjs: TfjsRow[] | { skipped: string };
  /** descent's training loop against model.fit, or the reason it did not run. */
  training: TrainingBenchResult | { skipped: string };
}

interface BenchFlags {
  quick?: boolean;
  json?: boolean;
  sizes?: number[];
  algorithms?: string[];
  repeats?: number;
  tfjs: boolean;
  training: boolean;
  data?: string;
  trainingImages?: number;
  accuracy?: boolean;
}

const FULL_SIZES = [1e5, 1e6, 1e7];
const QUICK_SIZES = [1e5, 1e6];
/** The goals for the kernels at 10 million parameters, as ratios to the streaming pass. */
const GOAL_SIZE = 1e7;
const GOAL_OWN = 1.2;
const GOAL_USER = 1.6;
/**
 * Training images of the training comparison with --quick: as many as the
 * shipped subset has. Fewer would let the first steps' one-time setup
 * dominate the epoch time.
 */
const QUICK_TRAINING_IMAGES = 6000;

/**
 * Registers `descent bench`, which times one optimizer step per parameter
 * for every algorithm and compares it with a pass that only streams the same
 * bytes through memory, then compares descent with TF.js's own optimizers
 * and training loop.
 */
export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(
      "time one step per parameter of every optimizer (TypeScript loops vs WebAssembly kernels) " +
        "against a memory-speed streaming pass, then descent against TF.js's tf.train optimizers " +
        "and its model.fit training loop",
    )
    .option(
      "--quick",
      "a short run: 100,000 and 1,000,000 parameters, 3 samples each, " +
        `at most ${QUICK_TRAINING_IMAGES.toLocaleString("en")} training images`,
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
    .option(
      "--no-training",
      "skip the epoch of MLP training through descent and through TF.js's model.fit",
    )
    .addOption(
      new Option(
        "--data <dir>",
        "folder with the four Fashion-MNIST IDX files for the training comparison " +
          "(default: the subset shipped in data/fashion-mnist)",
      ).conflicts("training"),
    )
    .addOption(
      new Option(
        "--training-images <n>",
        `train on the first n training images (default: all, at most ${QUICK_TRAINING_IMAGES} with --quick)`,
      )
        .argParser(parseTrainingImages)
        .conflicts("training"),
    )
    .addOption(
      new Option(
        "--accuracy",
        `also train descent's side for ${ACCURACY_EPOCHS} epochs and ` +
          "check its test accuracy against the goals",
      ).conflicts("training"),
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

  // Reading the data first reports a missing or broken file before any timing starts.
  const dataDir = flags.data ?? SHIPPED_DATA_DIR;
  const data = flags.training ? loadFashionMnist(dataDir) : undefined;

  const settings: BenchSettings = {
    sizes,
    cases,
    layouts,
    repeats,
    sampleMs,
    onProgress: progressBar(),
  };
  const machine = machineInfo();
  const rootDivideNs = timeRootDivide(settings);
  const optimizers = runOptimizerBench(settings);

  const tfjs = flags.tfjs
    ? await benchTfjs(flags.quick ? { largeSize: 100_000, repeats: 3 } : {})
    : { skipped: "--no-tfjs" };

  const training = data
    ? await benchTraining({
        dataDir,
        data,
        trainImages:
          flags.trainingImages ??
          (flags.quick ? QUICK_TRAINING_IMAGES : undefined),
        accuracy: flags.accuracy,
        onProgress: progressBar(),
      })
    : { skipped: "--no-training" };
  return {
    machine,
    settings: { sizes, repeats, sampleMs },
    rootDivideNs,
    optimizers,
    tfjs,
    training,
  };
}

/**
 * Returns a progress callback that draws a bar on stderr when it is a
 * terminal, or does nothing. A call after the bar reached its total starts
 * a new bar.
 */
function progressBar(): (done: number, total: number, label: string) => void {
  if (!process.stderr.isTTY) return () => {};
  const bar = new cliProgress.SingleBar(
    {
      format: "bench [{bar}] {value}/{total} {label}",
      stream: process.stderr,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return (done, total, label) => {
    if (!running) bar.start(total, done, { label });
    running = true;
    bar.update(done, { label });
    if (done === total) {
      bar.stop();
      running = false;
    }
  };
}

function selectCases(names: string[]) {
  return BENCH_CASES.filter(
    (c) => names.includes(c.label) || names.includes(c.algorithm),
  );
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

/** Formats the report as one table per size and layout, then the goal check, the tf.train rows and the training comparison. */
export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `descent bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}, ` +
      `load average ${machine.loadAverage.toFixed(2)} at the start`,
    `kernels: ${getKernelBackend()}; fastest of ${report.settings.repeats} samples; ` +
      `ns per parameter per step, (ratio) to a pass streaming the same bytes`,
    `one square root and one division per element from the L1 cache: ${report.rootDivideNs.toFixed(3)} ns`,
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
  lines.push("", ...formatTraining(report.training));
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
    "cached",
    "copy",
    "js",
    "wasm user arrays",
    "floor",
    "wasm own memory",
    "floor",
  ];
  const rows = results.map((r) => [
    r.label,
    String(r.bytesPerParameter),
    r.streamNs.toFixed(3),
    r.checkNs.toFixed(3),
    r.cachedNs.toFixed(3),
    r.copyNs.toFixed(3),
    formatTiming(r.modes.js.ns, r.modes.js.ratio),
    formatTiming(r.modes.wasm.ns, r.modes.wasm.ratio),
    r.floors.wasm.toFixed(2),
    formatTiming(r.modes.wasmOwn.ns, r.modes.wasmOwn.ratio),
    r.floors.wasmOwn.toFixed(2),
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

/**
 * States, for the 10-million-parameter runs, the worst ratio of each wasm
 * mode against its goal, and in how many rows the floor is above the goal,
 * so that these kernels cannot meet it on this machine.
 */
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
  const floorsAbove = (mode: "wasm" | "wasmOwn", goal: number) => {
    const count = atGoalSize.filter((r) => r.floors[mode] > goal).length;
    return `floor above the goal in ${count} of ${atGoalSize.length} rows`;
  };
  return [
    `goals at ${GOAL_SIZE.toLocaleString("en")} parameters (worst ratio over algorithms and layouts):`,
    `  own memory  <= ${GOAL_OWN}: ${own.modes.wasmOwn.ratio.toFixed(2)} (${own.label}, ${describeLayout(own)}) ` +
      `${verdict(own.modes.wasmOwn.ratio, GOAL_OWN)}; ${floorsAbove("wasmOwn", GOAL_OWN)}`,
    `  user arrays <= ${GOAL_USER}: ${user.modes.wasm.ratio.toFixed(2)} (${user.label}, ${describeLayout(user)}) ` +
      `${verdict(user.modes.wasm.ratio, GOAL_USER)}; ${floorsAbove("wasm", GOAL_USER)}`,
  ];
}

/** Formats the rows benchTfjs returned as a table with one column per field. */
function formatTfjs(tfjs: BenchReport["tfjs"]): string[] {
  if (!Array.isArray(tfjs))
    return [`tf.train comparison: skipped (${tfjs.skipped})`];
  const rows = tfjs as unknown as Record<string, unknown>[];
  const header = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) =>
    header.map((key) =>
      typeof row[key] === "number"
        ? (row[key] as number).toFixed(2)
        : String(row[key]),
    ),
  );
  return [
    "tf.train comparison (times in ms):",
    ...alignColumns([header, ...cells]),
  ];
}

/** Formats the training comparison and, if it ran, the accuracy check. */
function formatTraining(training: BenchReport["training"]): string[] {
  if ("skipped" in training)
    return [`training comparison: skipped (${training.skipped})`];
  const { descent, modelFit, modelFitWithKernels } = training;
  const count = (n: number) => n.toLocaleString("en");
  const lines = [
    `training comparison: one epoch of the 784-256-10 MLP, Adam lr ${LEARNING_RATE}, batch size ${BATCH_SIZE}, ` +
      `wasm backend, ${count(training.trainImages)} training and ${count(training.testImages)} ` +
      `test images from ${training.dataDir}`,
    ...alignColumns([
      ["loop", "s per epoch", "test accuracy"],
      [
        "descent runTraining",
        descent.secondsPerEpoch.toFixed(2),
        descent.testAccuracy.toFixed(4),
      ],
      [
        "tf model.fit",
        modelFit.secondsPerEpoch.toFixed(2),
        modelFit.testAccuracy.toFixed(4),
      ],
      [
        "tf model.fit, descent kernels",
        modelFitWithKernels.secondsPerEpoch.toFixed(2),
        modelFitWithKernels.testAccuracy.toFixed(4),
      ],
    ]).map((line) => `  ${line}`),
    `  descent / model.fit: ${training.timeRatio.toFixed(3)} ` +
      `(goal <= ${TIME_RATIO_GOAL}) ${metOrMissed(training.timeRatio <= TIME_RATIO_GOAL)}`,
    `  descent / model.fit with the same kernels: ` +
      (descent.secondsPerEpoch / modelFitWithKernels.secondsPerEpoch).toFixed(
        3,
      ),
  ];
  const check = training.accuracy;
  if (check === undefined) return lines;
  const byEpoch = check.epochs.map((e) => e.testAccuracy.toFixed(4)).join(", ");
  lines.push(
    `accuracy check, descent's side: test accuracy after epochs 1-${check.epochs.length}: ${byEpoch}`,
  );
  for (const goal of check.goals) {
    const outcome = check.fullDataset
      ? metOrMissed(goal.met)
      : `not checked: the goal is for the full ${count(FULL_DATASET.train)} training and ` +
        `${count(FULL_DATASET.test)} test images`;
    lines.push(
      `  epoch ${goal.epoch}: ${goal.reached.toFixed(4)} (goal >= ${goal.testAccuracy}) ${outcome}`,
    );
  }
  return lines;
}

function metOrMissed(met: boolean): string {
  return met ? "met" : "missed";
}

/** Pads each column of `rows` to its widest cell and joins the cells of a row with two spaces. */
function alignColumns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((row) => row[i].length)),
  );
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
}

function parseTrainingImages(value: string): number {
  const count = parseDecimal(value);
  if (!Number.isSafeInteger(count) || count < BATCH_SIZE) {
    throw new InvalidArgumentError(
      `must be a whole number >= ${BATCH_SIZE} (one batch), got "${value}". Try 2000.`,
    );
  }
  return count;
}

function parseSizes(value: string): number[] {
  return value.split(",").map((text) => {
    const size = parseDecimal(text);
    if (!Number.isSafeInteger(size) || size < 100 || size % 100 !== 0) {
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
  const repeats = parseDecimal(value);
  if (!Number.isSafeInteger(repeats) || repeats < 1) {
    throw new InvalidArgumentError(
      `must be a whole number >= 1, got "${value}". Try 7.`,
    );
  }
  return repeats;
}
