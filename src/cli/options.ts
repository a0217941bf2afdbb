import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";

import { algorithmNames, isAlgorithmName } from "../core/index.js";
import { BACKENDS, type BackendName } from "../train/backend.js";
import { MODEL_NAMES, type ModelName } from "../train/models.js";
import type { RunConfig } from "../train/run.js";
import { SCHEDULE_NAMES, type ScheduleName } from "../train/schedule.js";
import { DEFAULT_LEARNING_RATES } from "./presets.js";

// Number() also reads "0x10" as 16 and "" as 0, so option values are taken
// in decimal notation only.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Returns the value of a number written in decimal notation (`0.001`,
 * `1e-3`), or NaN for anything else, including hexadecimal and "".
 * Negative zero becomes 0.
 */
export function parseDecimal(text: string): number {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) + 0 : Number.NaN;
}

/** Parses an integer of at least `min`, for commander options. */
export function integerAtLeast(min: number, example: number) {
  return (text: string): number => {
    const value = Number(text) + 0;
    if (
      !/^[+-]?\d+$/.test(text.trim()) ||
      !Number.isSafeInteger(value) ||
      value < min
    ) {
      throw new InvalidArgumentError(
        `must be an integer >= ${min}, got "${text}". Try ${example}.`,
      );
    }
    return value;
  };
}

/** Parses a finite number > 0, for commander options; `example` is the suggested fix. */
export function positiveNumber(example: number) {
  return (text: string): number => {
    const value = parseDecimal(text);
    if (!Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError(
        `must be a decimal number > 0, got "${text}". Try ${example}.`,
      );
    }
    return value;
  };
}

/** Parses a learning rate: a finite number > 0. */
export const parseLearningRate = positiveNumber(0.001);

/** Parses a number >= 0, such as a weight decay. */
export function parseNonNegative(text: string): number {
  const value = parseDecimal(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      `must be a decimal number >= 0, got "${text}". Try 0.0001.`,
    );
  }
  return value;
}

/** Parses `--batch-size`: a positive integer, or `full` for full-batch gradient descent. */
export function parseBatchSize(text: string): number | "full" {
  if (text.trim().toLowerCase() === "full") return "full";
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `must be a positive integer or "full", got "${text}". Use 128 for minibatches, 1 for stochastic ` +
        `gradient descent, or full for batch gradient descent.`,
    );
  }
  return value;
}

/** Parses a comma-separated list of optimizer names, rejecting unknown ones. */
export function parseOptimizerList(text: string): string[] {
  const names = text
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) {
    throw new InvalidArgumentError(
      `must name at least one optimizer. Valid names: ${algorithmNames.join(", ")}.`,
    );
  }
  const unknown = names.filter((name) => !isAlgorithmName(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown optimizer ${unknown.map((name) => `"${name}"`).join(", ")}. Valid names: ${algorithmNames.join(", ")}.`,
    );
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new InvalidArgumentError(
      `lists "${repeated}" twice; name each optimizer once.`,
    );
  }
  return names;
}

/** Parses a single optimizer name. */
export function parseOptimizerName(text: string): string {
  const names = parseOptimizerList(text);
  if (names.length > 1) {
    throw new InvalidArgumentError(
      `must name one optimizer, got ${names.length}: ${names.map((name) => `"${name}"`).join(", ")}. ` +
        `Run descent compare --optimizers ${names.join(",")} to train several.`,
    );
  }
  return names[0] as string;
}

/** Parses `--model`. */
export function parseModel(text: string): ModelName {
  if (!(MODEL_NAMES as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(
      `unknown model "${text}". Choose one of ${MODEL_NAMES.join(", ")}.`,
    );
  }
  return text as ModelName;
}

/** Parses `--backend`. */
export function parseBackend(text: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(
      `unknown backend "${text}". Choose one of ${BACKENDS.join(", ")}.`,
    );
  }
  return text as BackendName;
}

/** Parses a folder of MNIST-format IDX files, which must exist. */
export function parseExistingFolder(text: string): string {
  const problem = folderProblem(text);
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `${problem}. Give a folder holding the four MNIST-format IDX files ` +
        `(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not).`,
    );
  }
  return text;
}

/** Parses a run folder to read, which must exist. */
export function parseRunFolder(text: string): string {
  const problem = folderProblem(text);
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `${problem}. Pass folders that descent train or descent compare wrote (compare's are under <out>/runs/).`,
    );
  }
  return text;
}

/** Returns why `text` is not an existing folder, or undefined when it is one. */
function folderProblem(text: string): string | undefined {
  if (text.trim() === "") return `the folder name is empty`;
  if (!existsSync(text)) return `folder "${text}" does not exist`;
  if (!statSync(text).isDirectory()) return `"${text}" is a file, not a folder`;
  return undefined;
}

/**
 * Parses the name of a folder to write, such as `--out`: any path but an
 * empty one, which would write into the current folder.
 */
export function outputFolder(example: string) {
  return (text: string): string => {
    if (text.trim() === "") {
      throw new InvalidArgumentError(
        `must name a folder, got "${text}". Try ${example}.`,
      );
    }
    return text;
  };
}

/**
 * Checks that a command can write into the folder `path`, given with `flag`,
 * before it starts any work: no existing part of the path may be a file, and
 * the nearest existing folder must be writable. Creates nothing.
 * @throws Error naming the path, the problem and a fix.
 */
export function checkOutputFolder(path: string, flag: string): void {
  if (path.trim() === "") {
    throw new Error(
      `${flag} "${path}": the folder name is empty. Name the folder to write to.`,
    );
  }
  let current = resolve(path);
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
  if (!statSync(current).isDirectory()) {
    throw new Error(
      `${flag} ${path}: ${current} is a file, not a folder. Choose another folder, or move the file.`,
    );
  }
  // NOTE: access() checks permissions only, so an immutable folder still
  // fails later, at the first write; on Linux a read-only mount fails here.
  try {
    accessSync(current, constants.W_OK);
  } catch {
    throw new Error(
      `${flag} ${path}: this user cannot write in ${current}. Choose a folder you can write to.`,
    );
  }
}

/** Parses `--schedule`. */
export function parseSchedule(text: string): ScheduleName {
  if (!(SCHEDULE_NAMES as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(
      `unknown schedule "${text}". Choose one of ${SCHEDULE_NAMES.join(", ")}.`,
    );
  }
  return text as ScheduleName;
}

/** Flags that `compare` and `train` share, after parsing. */
export interface RunFlags {
  lr?: number;
  weightDecay?: number;
  model: ModelName;
  epochs: number;
  batchSize: number | "full";
  seed: number;
  data?: string;
  backend: BackendName;
  trainLimit?: number;
  testLimit?: number;
  schedule?: ScheduleName;
  warmup?: number;
  clipNorm?: number;
  accumulate?: number;
}

/**
 * Registers the flags that `compare` and `train` share: data, model, length,
 * batch size, seed, backend, subsets, schedule, clipping and accumulation.
 */
export function addRunOptions(command: Command): Command {
  return command
    .option(
      "--data <dir>",
      "folder with the four MNIST-format IDX files, gzipped or not (default: the subset shipped in data/fashion-mnist)",
      parseExistingFolder,
    )
    .option(
      "--weight-decay <lambda>",
      "weight decay (default: each optimizer's own)",
      parseNonNegative,
    )
    .option(
      "--model <name>",
      "model: mlp (784-256-10), cnn or logreg",
      parseModel,
      "mlp",
    )
    .option(
      "--epochs <n>",
      "passes over the training set",
      integerAtLeast(1, 10),
      10,
    )
    .option(
      "--batch-size <n|full>",
      "examples per step; full is batch gradient descent, 1 is stochastic",
      parseBatchSize,
      128,
    )
    .option(
      "--seed <n>",
      "seed of the initial weights and the shuffling",
      integerAtLeast(0, 0),
      0,
    )
    .option(
      "--backend <name>",
      "TF.js backend: wasm or cpu",
      parseBackend,
      "wasm",
    )
    .option(
      "--train-limit <n>",
      "train on the first n training images only",
      integerAtLeast(1, 1000),
    )
    .option(
      "--test-limit <n>",
      "evaluate on the first n test images only",
      integerAtLeast(1, 1000),
    )
    .option(
      "--schedule <name>",
      `learning-rate schedule over the run: ${SCHEDULE_NAMES.join(", ")} (default: constant)`,
      parseSchedule,
    )
    .option(
      "--warmup <updates>",
      "updates over which the learning rate rises linearly from a tenth of its value",
      integerAtLeast(0, 100),
    )
    .option(
      "--clip-norm <max>",
      "clip the gradients' global 2-norm to this value before each update",
      positiveNumber(1),
    )
    .option(
      "--accumulate <k>",
      "average the gradients of k batches into one update",
      integerAtLeast(1, 4),
    );
}

/**
 * Builds the config of one run of `optimizer` from parsed flags; without
 * `--lr` the optimizer gets its rate from {@link DEFAULT_LEARNING_RATES}.
 */
export function runConfigFor(optimizer: string, flags: RunFlags): RunConfig {
  const optimizerOptions: Record<string, unknown> = {
    lr: flags.lr ?? DEFAULT_LEARNING_RATES[optimizer] ?? 1e-3,
  };
  if (flags.weightDecay !== undefined) {
    optimizerOptions.weightDecay = flags.weightDecay;
  }
  const config: RunConfig = {
    model: flags.model,
    optimizer,
    optimizerOptions,
    seed: flags.seed,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
  };
  if (flags.trainLimit !== undefined) config.trainLimit = flags.trainLimit;
  if (flags.testLimit !== undefined) config.testLimit = flags.testLimit;
  if (flags.schedule !== undefined || (flags.warmup ?? 0) > 0) {
    config.schedule = {
      name: flags.schedule ?? "constant",
      warmup: flags.warmup ?? 0,
    };
  }
  if (flags.clipNorm !== undefined) config.clipNorm = flags.clipNorm;
  if (flags.accumulate !== undefined && flags.accumulate > 1)
    config.accumulate = flags.accumulate;
  return config;
}
