import { existsSync, statSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";

import { algorithmNames, isAlgorithmName } from "../core/index.js";
import { BACKENDS, type BackendName } from "../train/backend.js";
import { MODEL_NAMES, type ModelName } from "../train/models.js";
import type { RunConfig } from "../train/run.js";
import { SCHEDULE_NAMES, type ScheduleName } from "../train/schedule.js";

/** Parses an integer of at least `min`, for commander options. */
export function integerAtLeast(min: number, example: number) {
  return (text: string): number => {
    const value = Number(text);
    if (
      !/^-?\d+$/.test(text.trim()) ||
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

/** Parses a learning rate: a finite number > 0. */
export function parseLearningRate(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `must be a number > 0, got "${text}". Try 0.001.`,
    );
  }
  return value;
}

/** Parses a number >= 0, such as a weight decay. */
export function parseNonNegative(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      `must be a number >= 0, got "${text}". Try 0.0001.`,
    );
  }
  return value;
}

/** Parses `--batch-size`: a positive integer, or `full` for full-batch gradient descent. */
export function parseBatchSize(text: string): number | "full" {
  if (text.trim().toLowerCase() === "full") return "full";
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1) {
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
  return parseOptimizerList(text)[0] as string;
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

/** Parses a folder that must exist. */
export function parseExistingFolder(text: string): string {
  if (!existsSync(text) || !statSync(text).isDirectory()) {
    throw new InvalidArgumentError(
      `folder "${text}" does not exist. Give a folder holding the four MNIST-format IDX files ` +
        `(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not).`,
    );
  }
  return text;
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

/** Training extras shared by `compare` and `train`. */
export interface TrainingExtras {
  schedule?: ScheduleName;
  warmup?: number;
  clipNorm?: number;
  accumulate?: number;
}

/** Registers the schedule, warm-up, clipping and accumulation flags on `command`. */
export function addTrainingExtras(command: Command): Command {
  return command
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
      parseLearningRate,
    )
    .option(
      "--accumulate <k>",
      "average the gradients of k batches into one update",
      integerAtLeast(1, 4),
    );
}

/** Copies the extras from parsed flags into a run config's fields. */
export function extrasConfig(
  flags: TrainingExtras,
): Pick<RunConfig, "schedule" | "clipNorm" | "accumulate"> {
  const config: Pick<RunConfig, "schedule" | "clipNorm" | "accumulate"> = {};
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
