import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { Command } from "commander";

import type { ReportInput, RunResult } from "../../report/types.js";
import { writeFileAtomic, writeReport } from "../../report/write.js";
import { SHIPPED_DATA_DIR, loadFashionMnist } from "../../train/idx.js";
import type { EpochMetrics } from "../../train/run.js";
import { checkRunSchedule } from "../../train/schedule.js";
import type { RunOutcome, RunTask } from "../execute-run.js";
import {
  type RunFlags,
  addRunOptions,
  checkOutputFolder,
  integerAtLeast,
  outputFolder,
  parseLearningRate,
  parseOptimizerList,
  runConfigFor,
} from "../options.js";
import { DEFAULT_OPTIMIZERS } from "../presets.js";
import { type ProgressDisplay, createProgress } from "../progress.js";
import {
  checkCheckpointFolder,
  checkRunFolder,
  metricsLine,
  runFolder,
  writeRunFolder,
} from "../run-folder.js";
import type { WorkerMessage } from "../run-worker.js";

/** Settings of `descent compare`, after parsing. */
export interface CompareSettings extends RunFlags {
  data: string;
  optimizers: string[];
  out: string;
  jobs: number;
  resume: boolean;
}

/** Builds one run task per optimizer, each with its default or the given learning rate. */
export function compareTasks(settings: CompareSettings): RunTask[] {
  return settings.optimizers.map((name) => ({
    label: name,
    config: runConfigFor(name, settings),
    dataDir: settings.data,
    backend: settings.backend,
    checkpointDir: join(runFolder(settings.out, name), "checkpoint"),
    resume: settings.resume,
  }));
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
              if (message.kind === "done") {
                outcomes.set(message.label, message.outcome);
                progress.finish(message.label);
              } else {
                failures.set(message.label, message.message);
                progress.fail(message.label, message.message);
              }
              void Promise.all(pending).then(() => resolveTask());
            }
          };
          const onError = (error: Error) => {
            worker.off("message", onMessage);
            failures.set(task!.label, error.message);
            progress.fail(task!.label, error.message);
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
  for (const task of tasks) {
    checkRunFolder(runFolder(settings.out, task.label), task, "--out");
    checkCheckpointFolder(task.checkpointDir, task, "--out");
  }
  const epochsByLabel = new Map<string, EpochMetrics[]>(
    tasks.map((t) => [t.label, []]),
  );
  // A schedule that cannot fit the run fails every task alike, so it is
  // reported here, before any run starts.
  for (const task of tasks) checkRunSchedule(task.config, trainCount);
  const jobs = Math.min(settings.jobs, tasks.length);
  progress.log(
    `descent compare: ${count(tasks.length, "optimizer")}, ${settings.model} on ${trainCount} training and ` +
      `${testCount} test images, ${count(settings.epochs, "epoch")}, ${count(jobs, "parallel job")}; ` +
      `writing to ${settings.out}`,
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
  // With no finished run there is nothing to report, and an earlier report
  // in the folder is left as it was.
  if (finished.length > 0) {
    const metricsText = finished
      .flatMap((task) =>
        (outcomes.get(task.label) as RunOutcome).epochs.map(
          (m) => `${metricsLine(task, m)}\n`,
        ),
      )
      .join("");
    await writeFileAtomic(join(settings.out, "metrics.jsonl"), metricsText);
    const written = await writeReport(
      settings.out,
      reportInput(settings, finished, outcomes, trainCount, testCount),
    );
    progress.log(`Report: ${resolve(written.html)}`);
    progress.log(`Summary: ${resolve(written.summary)}`);
  }
  if (failures.size > 0) {
    progress.log(
      `${count(failures.size, "run")} failed: ${[...failures.keys()].join(", ")}`,
    );
  }
  return failures.size === 0 ? 0 : 1;
}

/** Formats `n` with `noun`, plural unless n is 1: "1 epoch", "10 epochs". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
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
      "--optimizers <list>",
      `comma-separated optimizer names (default: ${DEFAULT_OPTIMIZERS.join(",")})`,
      parseOptimizerList,
    )
    .option(
      "--lr <rate>",
      "learning rate for every optimizer (default: a rate per optimizer, listed in the README)",
      parseLearningRate,
    )
    .option(
      "--out <dir>",
      "output folder",
      outputFolder("out/compare"),
      "out/compare",
    )
    .option(
      "--jobs <n>",
      "runs trained in parallel worker threads (default: number of cores)",
      integerAtLeast(1, 2),
    )
    .option(
      "--resume",
      "continue runs from the checkpoints in the output folder",
      false,
    );
  addRunOptions(command).action(
    async (flags: RunFlags & Partial<CompareSettings>) => {
      const settings: CompareSettings = {
        ...flags,
        data: flags.data ?? SHIPPED_DATA_DIR,
        optimizers: flags.optimizers ?? [...DEFAULT_OPTIMIZERS],
        out: flags.out as string,
        jobs: flags.jobs ?? availableParallelism(),
        resume: Boolean(flags.resume),
      };
      checkOutputFolder(settings.out, "--out");
      process.exitCode = await runCompare(settings);
    },
  );
}
