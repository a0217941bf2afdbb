import { join, resolve } from "node:path";
import type { Command } from "commander";

import type { BackendName } from "../../train/backend.js";
import { SHIPPED_DATA_DIR } from "../../train/idx.js";
import type { ModelName } from "../../train/models.js";
import type { EpochMetrics } from "../../train/run.js";
import { type RunTask, executeRun } from "../execute-run.js";
import {
  type TrainingExtras,
  addTrainingExtras,
  extrasConfig,
  integerAtLeast,
  parseBackend,
  parseBatchSize,
  parseExistingFolder,
  parseLearningRate,
  parseModel,
  parseNonNegative,
  parseOptimizerName,
} from "../options.js";
import { DEFAULT_LEARNING_RATES } from "../presets.js";
import { createProgress } from "../progress.js";
import { writeRunFolder } from "../run-folder.js";

interface TrainFlags extends TrainingExtras {
  optimizer: string;
  lr?: number;
  weightDecay?: number;
  model: ModelName;
  epochs: number;
  batchSize: number | "full";
  seed: number;
  data?: string;
  out: string;
  checkpoint?: string;
  resume: boolean;
  backend: BackendName;
  trainLimit?: number;
  testLimit?: number;
}

/** Builds the task of `descent train` from its flags. */
export function trainTask(flags: TrainFlags): RunTask {
  const optimizerOptions: Record<string, unknown> = {
    lr: flags.lr ?? DEFAULT_LEARNING_RATES[flags.optimizer] ?? 1e-3,
  };
  if (flags.weightDecay !== undefined)
    optimizerOptions.weightDecay = flags.weightDecay;
  return {
    label: flags.optimizer,
    config: {
      model: flags.model,
      optimizer: flags.optimizer,
      optimizerOptions,
      seed: flags.seed,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      ...(flags.trainLimit === undefined
        ? {}
        : { trainLimit: flags.trainLimit }),
      ...(flags.testLimit === undefined ? {} : { testLimit: flags.testLimit }),
      ...extrasConfig(flags),
    },
    dataDir: flags.data ?? SHIPPED_DATA_DIR,
    backend: flags.backend,
    checkpointDir: flags.checkpoint ?? join(flags.out, "checkpoint"),
    resume: flags.resume,
  };
}

/** Registers `descent train`: one model, one optimizer, one seed, in one self-contained folder. */
export function registerTrain(program: Command): void {
  const command = program
    .command("train")
    .description(
      "train one model with one optimizer and seed; writes settings, metrics.jsonl and checkpoints to --out",
    )
    .requiredOption(
      "--optimizer <name>",
      "optimizer name, see descent list",
      parseOptimizerName,
    )
    .option(
      "--lr <rate>",
      "learning rate (default: the optimizer's rate in descent compare)",
      parseLearningRate,
    )
    .option(
      "--weight-decay <lambda>",
      "weight decay (default: the optimizer's own)",
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
      "--data <dir>",
      "folder with the four MNIST-format IDX files (default: the shipped subset)",
      parseExistingFolder,
    )
    .option("--out <dir>", "run folder", "out/train")
    .option(
      "--checkpoint <dir>",
      "checkpoint folder, written atomically at every epoch end (default: <out>/checkpoint)",
    )
    .option("--resume", "continue from the checkpoint if there is one", false)
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
    );
  addTrainingExtras(command).action(async (flags: TrainFlags) => {
    const task = trainTask(flags);
    const progress = createProgress();
    const epochs: EpochMetrics[] = [];
    progress.start(task.label, task.config.epochs);
    const outcome = await executeRun(task, {
      onResume: (restored) => {
        epochs.push(...restored);
        progress.log(`${task.label}: resumed after epoch ${restored.length}`);
      },
      onProgress: (done, total, loss) =>
        progress.update(task.label, done, total, loss),
      onEpoch: async (metrics) => {
        epochs.push(metrics);
        progress.epoch(task.label, metrics, task.config.epochs);
        await writeRunFolder(flags.out, task, epochs);
      },
    });
    await writeRunFolder(flags.out, task, outcome.epochs, outcome);
    progress.finish(task.label);
    progress.stop();
    process.stderr.write(`Run folder: ${resolve(flags.out)}\n`);
  });
}
