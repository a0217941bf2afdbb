import { join, resolve } from "node:path";
import type { Command } from "commander";

import { SHIPPED_DATA_DIR } from "../../train/idx.js";
import type { EpochMetrics } from "../../train/run.js";
import { type RunTask, executeRun, loadDataset } from "../execute-run.js";
import { checkRunSchedule } from "../../train/schedule.js";
import {
  type RunFlags,
  addRunOptions,
  checkOutputFolder,
  outputFolder,
  parseLearningRate,
  parseOptimizerName,
  runConfigFor,
} from "../options.js";
import { createProgress } from "../progress.js";
import {
  checkCheckpointFolder,
  checkRunFolder,
  writeRunFolder,
} from "../run-folder.js";

interface TrainFlags extends RunFlags {
  optimizer: string;
  out: string;
  checkpoint?: string;
  resume: boolean;
}

/** Builds the task of `descent train` from its flags. */
export function trainTask(flags: TrainFlags): RunTask {
  return {
    label: flags.optimizer,
    config: runConfigFor(flags.optimizer, flags),
    dataDir: flags.data ?? SHIPPED_DATA_DIR,
    backend: flags.backend,
    checkpointDir: flags.checkpoint ?? join(flags.out, "checkpoint"),
    resume: flags.resume,
  };
}

/** Trains the run `flags` describe, writing its folder after every epoch. */
async function train(flags: TrainFlags): Promise<void> {
  const task = trainTask(flags);
  const checkpointFlag =
    flags.checkpoint === undefined ? "--out" : "--checkpoint";
  checkOutputFolder(flags.out, "--out");
  checkOutputFolder(task.checkpointDir, checkpointFlag);
  checkRunFolder(flags.out, task, "--out");
  checkCheckpointFolder(task.checkpointDir, task, checkpointFlag);
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
    .option("--out <dir>", "run folder", outputFolder("out/train"), "out/train")
    .option(
      "--checkpoint <dir>",
      "checkpoint folder, written atomically at every epoch end (default: <out>/checkpoint)",
      outputFolder("out/train/checkpoint"),
    )
    .option("--resume", "continue from the checkpoint if there is one", false);
  addRunOptions(command).action(train);
}
