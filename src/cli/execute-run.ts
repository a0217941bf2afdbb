import { type BackendName, setupBackend } from "../train/backend.js";
import { type MnistDataset, loadFashionMnist } from "../train/idx.js";
import {
  type EpochMetrics,
  type RunConfig,
  runTraining,
} from "../train/run.js";
import type { StepMetrics } from "../report/types.js";

/** One training run as the CLI schedules it. */
export interface RunTask {
  /** Name of the run in progress output, folders and the report. */
  label: string;
  config: RunConfig;
  dataDir: string;
  backend: BackendName;
  /** Folder of the run's checkpoint; resumed from when `resume` is set. */
  checkpointDir: string;
  resume: boolean;
}

/** Progress and results a run reports while it trains. */
export interface RunCallbacks {
  onProgress?: (done: number, total: number, lastLoss: number) => void;
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  onResume?: (epochs: EpochMetrics[]) => void;
}

/** Everything a finished run hands to the report. */
export interface RunOutcome {
  label: string;
  epochs: EpochMetrics[];
  steps: StepMetrics[];
  batchSize: number;
  regime: string;
  trainCount: number;
  testCount: number;
}

const datasets = new Map<string, MnistDataset>();

/** Loads the data in `dir`, once per folder and thread. */
export function loadDataset(dir: string): MnistDataset {
  let data = datasets.get(dir);
  if (data === undefined) {
    data = loadFashionMnist(dir);
    datasets.set(dir, data);
  }
  return data;
}

/**
 * Trains one run in this thread: sets up the TF.js backend, loads the data
 * (once per folder and thread), trains and records the loss and learning rate
 * of every step.
 */
export async function executeRun(
  task: RunTask,
  callbacks: RunCallbacks = {},
): Promise<RunOutcome> {
  await setupBackend(task.backend);
  const data = loadDataset(task.dataDir);
  const trainCount = Math.min(
    task.config.trainLimit ?? data.train.count,
    data.train.count,
  );
  const batchSize =
    task.config.batchSize === "full" ? trainCount : task.config.batchSize;
  const stepsPerEpoch = Math.ceil(trainCount / batchSize);
  const total = stepsPerEpoch * task.config.epochs;

  const steps: StepMetrics[] = [];
  const result = await runTraining(task.config, data, {
    checkpointDir: task.checkpointDir,
    resume: task.resume,
    onResume: (restored) => {
      callbacks.onResume?.(restored);
      callbacks.onProgress?.(
        restored.length * stepsPerEpoch,
        total,
        Number.NaN,
      );
    },
    onStep: (metrics) => {
      const { step, loss, lr } = metrics;
      steps.push({ step, loss, ...(lr === undefined ? {} : { lr }) });
      callbacks.onProgress?.(metrics.step, total, metrics.loss);
    },
    onEpoch: async (metrics) => {
      // The report reads a per-epoch effective learning rate from the epoch's last step.
      const last = steps[steps.length - 1];
      if (last !== undefined && metrics.effectiveLr !== undefined)
        last.effectiveLr = metrics.effectiveLr;
      await callbacks.onEpoch?.(metrics);
    },
  });

  // Steps restored from a checkpoint come from the run's saved losses and
  // rates; their epochs' effective rates go on each epoch's last step.
  const restoredSteps = result.stepLosses.length - steps.length;
  const allSteps: StepMetrics[] = result.stepLosses
    .slice(0, restoredSteps)
    .map((loss, i) => {
      const lr = result.stepLrs[i];
      return { step: i + 1, loss, ...(lr === null ? {} : { lr }) };
    })
    .concat(steps);
  for (const metrics of result.epochs.slice(0, result.resumedEpochs)) {
    const last = allSteps[metrics.epoch * stepsPerEpoch - 1];
    if (last !== undefined && metrics.effectiveLr !== undefined) {
      last.effectiveLr = metrics.effectiveLr;
    }
  }
  return {
    label: task.label,
    epochs: result.epochs,
    steps: allSteps,
    batchSize: result.batchSize,
    regime: result.regime,
    trainCount: result.trainCount,
    testCount: result.testCount,
  };
}
