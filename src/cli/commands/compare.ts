import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { Command } from "commander";

import { writeReport } from "../../report/write.js";
import type { ReportInput, RunResult } from "../../report/types.js";
import type { BackendName } from "../../train/backend.js";
import { SHIPPED_DATA_DIR, loadFashionMnist } from "../../train/idx.js";
import type { ModelName } from "../../train/models.js";
import type { EpochMetrics } from "../../train/run.js";
import type { RunOutcome, RunTask } from "../execute-run.js";
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
  parseOptimizerList,
} from "../options.js";
import { DEFAULT_LEARNING_RATES, DEFAULT_OPTIMIZERS } from "../presets.js";
import { type ProgressDisplay, createProgress } from "../progress.js";
import { metricsLine, runFolder, writeRunFolder } from "../run-folder.js";
import type { WorkerMessage } from "../run-worker.js";
import { writeFileAtomic } from "../../report/write.js";
import { join } from "node:path";

/** Settings of `descent compare`, after parsing. */
export interface CompareSettings extends TrainingExtras {
  data: string;
  optimizers: string[];
  lr?: number;
  weightDecay?: number;
  model: ModelName;
  epochs: number;
  batchSize: number | "full";
  seed: number;
  out: string;
  jobs: number;
  backend: BackendName;
  trainLimit?: number;
  testLimit?: number;
  resume: boolean;
}

/** Builds one run task per optimizer, each with its default or the given learning rate. */
export function compareTasks(settings: CompareSettings): RunTask[] {
  return settings.optimizers.map((name) => {
    const lr = settings.lr ?? DEFAULT_LEARNING_RATES[name] ?? 1e-3;
    const optimizerOptions: Record<string, unknown> = { lr };
    if (settings.weightDecay !== undefined)
      optimizerOptions.weightDecay = settings.weightDecay;
    return {
      label: name,
      config: {
        model: settings.model,
        optimizer: name,
        optimizerOptions,
        seed: settings.seed,
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        ...(settings.trainLimit === undefined
          ? {}
          : { trainLimit: settings.trainLimit }),
        ...(settings.testLimit === undefined
          ? {}
          : { testLimit: settings.testLimit }),
        ...extrasConfig(settings),
      },
      dataDir: settings.data,
      backend: settings.backend,
      checkpointDir: join(runFolder(settings.out, name), "checkpoint"),
      resume: settings.resume,
    };
  });
}

/**
 * Runs `tasks` on a pool of `jobs` worker threads, each training one run at a
 * time, and returns the outcome of each task that finished, by label.
 */
async function runPool(
  tasks: RunTask[],
  jobs: number,
  progress: ProgressDisplay,
  onEpoch: (task: RunTask, metrics: EpochMetrics) => Promise<void>,
): Promise<{
  outcomes: Map<string, RunOutcome>;
  failures: Map<string, string>;
}> {
  const outcomes = new Map<string, RunOutcome>();
  const failures = new Map<string, string>();
  const queue = [...tasks];
  const byLabel = new Map(tasks.map((task) => [task.label, task]));

  const drain = async (): Promise<void> => {
    const worker = new Worker(new URL("../run-worker.js", import.meta.url));
    try {
      for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
        progress.start(task.label, task.config.epochs);
        await new Promise<void>((resolveTask) => {
          const pending: Promise<void>[] = [];
          const onMessage = (message: WorkerMessage) => {
            const current = byLabel.get(message.label) as RunTask;
            if (message.kind === "progress")
              progress.update(
                message.label,
                message.done,
                message.total,
                message.loss,
              );
            if (message.kind === "resume")
              progress.log(
                `${message.label}: resumed after epoch ${message.epochs.length}`,
              );
            if (message.kind === "epoch") {
              progress.epoch(
                message.label,
                message.metrics,
                current.config.epochs,
              );
              pending.push(onEpoch(current, message.metrics));
            }
            if (message.kind === "done" || message.kind === "error") {
              worker.off("message", onMessage);
              worker.off("error", onError);
              if (message.kind === "done")
                outcomes.set(message.label, message.outcome);
              else failures.set(message.label, message.message);
              progress.finish(message.label);
              void Promise.all(pending).then(() => resolveTask());
            }
          };
          const onError = (error: Error) => {
            worker.off("message", onMessage);
            failures.set(task!.label, error.message);
            resolveTask();
          };
          worker.on("message", onMessage);
          worker.on("error", onError);
          worker.postMessage(task);
        });
      }
    } finally {
      await worker.terminate();
    }
  };

  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, drain),
  );
  return { outcomes, failures };
}

/** Trains every optimizer in `settings`, then writes the run folders, metrics and report. */
export async function runCompare(
  settings: CompareSettings,
  progress: ProgressDisplay = createProgress(),
): Promise<number> {
  // Reading the data here first reports a missing or broken file before any worker starts.
  const data = loadFashionMnist(settings.data);
  const trainCount = Math.min(
    settings.trainLimit ?? data.train.count,
    data.train.count,
  );
  const testCount = Math.min(
    settings.testLimit ?? data.test.count,
    data.test.count,
  );
  if (settings.batchSize !== "full" && settings.batchSize > trainCount) {
    throw new RangeError(
      `--batch-size ${settings.batchSize} is larger than the ${trainCount} training images. ` +
        `Use --batch-size full for full-batch gradient descent.`,
    );
  }
  const tasks = compareTasks(settings);
  const epochsByLabel = new Map<string, EpochMetrics[]>(
    tasks.map((t) => [t.label, []]),
  );
  progress.log(
    `descent compare: ${tasks.length} optimizers, ${settings.model} on ${trainCount} training and ${testCount} ` +
      `test images, ${settings.epochs} epochs, ${settings.jobs} parallel jobs; writing to ${settings.out}`,
  );

  const { outcomes, failures } = await runPool(
    tasks,
    settings.jobs,
    progress,
    async (task, metrics) => {
      const epochs = epochsByLabel.get(task.label) as EpochMetrics[];
      epochs[metrics.epoch - 1] = metrics;
      epochs.length = metrics.epoch;
      await writeRunFolder(runFolder(settings.out, task.label), task, epochs);
    },
  );
  progress.stop();

  const finished = tasks.filter((task) => outcomes.has(task.label));
  for (const task of finished) {
    const outcome = outcomes.get(task.label) as RunOutcome;
    await writeRunFolder(
      runFolder(settings.out, task.label),
      task,
      outcome.epochs,
      outcome,
    );
  }
  const metricsText = finished
    .flatMap((task) =>
      (outcomes.get(task.label) as RunOutcome).epochs.map(
        (m) => `${metricsLine(task, m)}\n`,
      ),
    )
    .join("");
  await writeFileAtomic(join(settings.out, "metrics.jsonl"), metricsText);

  if (finished.length > 0) {
    const written = await writeReport(
      settings.out,
      reportInput(settings, finished, outcomes, trainCount, testCount),
    );
    progress.log(`Report: ${resolve(written.html)}`);
    progress.log(`Summary: ${resolve(written.summary)}`);
  }
  for (const [label, message] of failures)
    progress.log(`${label} failed: ${message}`);
  return failures.size === 0 ? 0 : 1;
}

function reportInput(
  settings: CompareSettings,
  tasks: RunTask[],
  outcomes: Map<string, RunOutcome>,
  trainCount: number,
  testCount: number,
): ReportInput {
  const first = outcomes.get(tasks[0].label) as RunOutcome;
  const runs: RunResult[] = tasks.map((task) => {
    const outcome = outcomes.get(task.label) as RunOutcome;
    return {
      optimizer: task.config.optimizer,
      label: task.label,
      options: task.config.optimizerOptions ?? {},
      epochs: outcome.epochs.map(
        ({ epoch, trainLoss, testLoss, testAccuracy, seconds }) => ({
          epoch,
          trainLoss,
          testLoss,
          testAccuracy,
          seconds,
        }),
      ),
      steps: outcome.steps,
    };
  });
  return {
    title: `descent compare: ${settings.model} on Fashion-MNIST`,
    settings: {
      model: settings.model,
      epochs: settings.epochs,
      "batch size":
        settings.batchSize === "full"
          ? `full (${trainCount})`
          : settings.batchSize,
      regime: first.regime,
      seed: settings.seed,
      "training images": trainCount,
      "test images": testCount,
      data: settings.data,
      backend: settings.backend,
      "learning rates":
        settings.lr === undefined ? "per-optimizer defaults" : settings.lr,
      ...(settings.weightDecay === undefined
        ? {}
        : { "weight decay": settings.weightDecay }),
      schedule: settings.schedule ?? "constant",
      ...(settings.warmup ? { "warm-up updates": settings.warmup } : {}),
      ...(settings.clipNorm === undefined
        ? {}
        : { "clip norm": settings.clipNorm }),
      ...(settings.accumulate && settings.accumulate > 1
        ? { "batches per update": settings.accumulate }
        : {}),
    },
    runs,
  };
}

/** Registers `descent compare`. */
export function registerCompare(program: Command): void {
  const command = program
    .command("compare")
    .description(
      "train one model with each optimizer on Fashion-MNIST and write a report with charts",
    )
    .option(
      "--data <dir>",
      "folder with the four MNIST-format IDX files, gzipped or not (default: the subset shipped in data/fashion-mnist)",
      parseExistingFolder,
    )
    .option(
      "--optimizers <list>",
      `comma-separated optimizer names (default: ${DEFAULT_OPTIMIZERS.join(",")})`,
      parseOptimizerList,
    )
    .option(
      "--lr <rate>",
      "learning rate for every optimizer (default: a per-optimizer rate, see descent list)",
      parseLearningRate,
    )
    .option(
      "--weight-decay <lambda>",
      "weight decay for every optimizer (default: each optimizer's own)",
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
    .option("--out <dir>", "output folder", "out/compare")
    .option(
      "--jobs <n>",
      "runs trained in parallel worker threads (default: number of cores)",
      integerAtLeast(1, 2),
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
      "--resume",
      "continue runs from the checkpoints in the output folder",
      false,
    );
  addTrainingExtras(command).action(async (flags: Partial<CompareSettings>) => {
    const settings: CompareSettings = {
      data: flags.data ?? SHIPPED_DATA_DIR,
      optimizers: flags.optimizers ?? [...DEFAULT_OPTIMIZERS],
      model: flags.model as ModelName,
      epochs: flags.epochs as number,
      batchSize: flags.batchSize as number | "full",
      seed: flags.seed as number,
      out: flags.out as string,
      jobs: flags.jobs ?? availableParallelism(),
      backend: flags.backend as BackendName,
      resume: Boolean(flags.resume),
      ...(flags.lr === undefined ? {} : { lr: flags.lr }),
      ...(flags.weightDecay === undefined
        ? {}
        : { weightDecay: flags.weightDecay }),
      ...(flags.trainLimit === undefined
        ? {}
        : { trainLimit: flags.trainLimit }),
      ...(flags.testLimit === undefined ? {} : { testLimit: flags.testLimit }),
      ...(flags.schedule === undefined ? {} : { schedule: flags.schedule }),
      ...(flags.warmup === undefined ? {} : { warmup: flags.warmup }),
      ...(flags.clipNorm === undefined ? {} : { clipNorm: flags.clipNorm }),
      ...(flags.accumulate === undefined
        ? {}
        : { accumulate: flags.accumulate }),
    };
    process.exitCode = await runCompare(settings);
  });
}
