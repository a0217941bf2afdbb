/**
 * The training benchmark behind `descent bench`: one epoch of the 784-256-10
 * MLP with Adam at batch size 128, trained three times. The first run uses
 * descent's training loop (`runTraining`, with descent's TF.js adapter and
 * the wasm training kernels). The second uses TF.js's own `model.compile`
 * and `model.fit` with `tf.train.adam` on the wasm backend's stock kernels.
 * The third is the second with descent's wasm training kernels installed,
 * which separates what the kernels gain from what the loop gains.
 *
 * `setupBackend` replaces wasm kernels for the whole thread it runs in, so
 * each side trains in a worker thread of its own and this thread's TF.js
 * backends stay untouched.
 */
import { Worker } from "node:worker_threads";

import type { ImageSet, MnistDataset } from "../train/idx.js";
import { SHIPPED_DATA_DIR, loadFashionMnist } from "../train/idx.js";

/** Examples per training step, on both sides. */
export const BATCH_SIZE = 128;
/** Adam's learning rate, on both sides. */
export const LEARNING_RATE = 1e-3;
/** Goal for descent's epoch time divided by model.fit's. */
export const TIME_RATIO_GOAL = 0.25;
/** Epochs that descent's side trains for the accuracy check. */
export const ACCURACY_EPOCHS = 5;
/** Test accuracies the MLP should reach on the full dataset, checked by the accuracy option. */
export const ACCURACY_GOALS: readonly AccuracyGoal[] = [
  { epoch: 1, testAccuracy: 0.83 },
  { epoch: ACCURACY_EPOCHS, testAccuracy: 0.87 },
];
/** Training and test images in the full Fashion-MNIST, on which the accuracy goals are set. */
export const FULL_DATASET = { train: 60_000, test: 10_000 };

/** A test accuracy that the MLP should reach after `epoch` epochs. */
export interface AccuracyGoal {
  epoch: number;
  testAccuracy: number;
}

/**
 * The training loop a worker runs: descent's `runTraining`, TF.js's
 * `model.fit` on the stock wasm kernels, or `model.fit` with descent's wasm
 * training kernels installed.
 */
export type Contender = "descent" | "modelFit" | "modelFitWithKernels";

/** The task a training worker receives as its `workerData`. */
export interface ContenderTask {
  contender: Contender;
  data: MnistDataset;
  epochs: number;
  seed: number;
}

/** One epoch's measurements from a training worker. */
export interface ContenderEpoch {
  /** Epoch number, from 1. */
  epoch: number;
  /** Wall-clock seconds of the epoch's training steps, evaluation excluded. */
  seconds: number;
  /** Fraction of test images classified correctly after the epoch. */
  testAccuracy: number;
}

/** A message from a training worker. */
export type ContenderMessage =
  | { kind: "progress"; done: number; total: number }
  | { kind: "done"; epochs: ContenderEpoch[] }
  | { kind: "error"; message: string };

/** Options of {@link benchTraining}. */
export interface TrainingBenchOptions {
  /** Folder with the four MNIST-format files. Default: the subset in data/fashion-mnist. */
  dataDir?: string;
  /** The dataset already read from `dataDir`, so it is not read again. */
  data?: MnistDataset;
  /** Train on the first this many training images, at least one batch. Default: all. */
  trainImages?: number;
  /**
   * Train descent's side for {@link ACCURACY_EPOCHS} epochs and check its
   * test accuracy against {@link ACCURACY_GOALS}. Default false: one epoch.
   */
  accuracy?: boolean;
  /** Seed of the initial weights, the same on both sides. Default 0. */
  seed?: number;
  /** Called as training steps finish, with `label` naming the side. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/** One side's first epoch. */
export interface ContenderResult {
  /** Seconds of the first epoch's training steps. */
  secondsPerEpoch: number;
  /** Test accuracy after the first epoch. */
  testAccuracy: number;
}

/** Test accuracy of descent's side after each epoch, beside the goals. */
export interface AccuracyCheck {
  epochs: Array<{ epoch: number; testAccuracy: number }>;
  goals: Array<AccuracyGoal & { reached: number; met: boolean }>;
  /** True when the data had the full dataset's image counts, for which the goals are set. */
  fullDataset: boolean;
}

/** Everything {@link benchTraining} measured. */
export interface TrainingBenchResult {
  dataDir: string;
  trainImages: number;
  testImages: number;
  batchSize: number;
  descent: ContenderResult;
  modelFit: ContenderResult;
  /** model.fit with the wasm training kernels that descent's loop uses. */
  modelFitWithKernels: ContenderResult;
  /** descent's seconds per epoch divided by model.fit's. The goal is at most {@link TIME_RATIO_GOAL}. */
  timeRatio: number;
  /** Present when the options asked for the accuracy check. */
  accuracy?: AccuracyCheck;
}

const LABELS: Record<Contender, string> = {
  descent: "descent runTraining",
  modelFit: "tf model.fit",
  modelFitWithKernels: "tf model.fit, descent kernels",
};

/**
 * Trains the MLP through descent, through model.fit and through model.fit
 * with descent's wasm training kernels, one after the other, and returns
 * the epoch times and test accuracies.
 *
 * @throws DataFileError if the data folder lacks a valid file; RangeError
 *   if `trainImages` is below one batch.
 */
export async function benchTraining(
  options: TrainingBenchOptions = {},
): Promise<TrainingBenchResult> {
  const dataDir = options.dataDir ?? SHIPPED_DATA_DIR;
  const seed = options.seed ?? 0;
  const full = options.data ?? loadFashionMnist(dataDir);
  const requested = options.trainImages ?? full.train.count;
  if (!Number.isSafeInteger(requested) || requested < BATCH_SIZE) {
    throw new RangeError(
      `Training benchmark: trainImages must be a whole number >= ${BATCH_SIZE} ` +
        `(one batch), got ${requested}. Try 2000.`,
    );
  }
  const trainImages = Math.min(requested, full.train.count);
  if (trainImages < BATCH_SIZE) {
    throw new RangeError(
      `Training benchmark: ${dataDir} has ${trainImages} training images, ` +
        `fewer than one batch of ${BATCH_SIZE}. Use a larger dataset.`,
    );
  }
  const data = { train: firstImages(full.train, trainImages), test: full.test };

  const descentEpochs = await runContender(
    {
      contender: "descent",
      data,
      epochs: options.accuracy ? ACCURACY_EPOCHS : 1,
      seed,
    },
    options.onProgress,
  );
  const modelFitEpochs = await runContender(
    { contender: "modelFit", data, epochs: 1, seed },
    options.onProgress,
  );
  const modelFitWithKernelsEpochs = await runContender(
    { contender: "modelFitWithKernels", data, epochs: 1, seed },
    options.onProgress,
  );

  const descent = firstEpoch(descentEpochs);
  const modelFit = firstEpoch(modelFitEpochs);
  return {
    dataDir,
    trainImages,
    testImages: data.test.count,
    batchSize: BATCH_SIZE,
    descent,
    modelFit,
    modelFitWithKernels: firstEpoch(modelFitWithKernelsEpochs),
    timeRatio: descent.secondsPerEpoch / modelFit.secondsPerEpoch,
    ...(options.accuracy
      ? { accuracy: checkAccuracy(descentEpochs, trainImages, data.test.count) }
      : {}),
  };
}

/** Copies the first `count` images, so a worker receives only those. */
function firstImages(set: ImageSet, count: number): ImageSet {
  const pixels = set.rows * set.cols;
  return {
    ...set,
    count,
    images: set.images.slice(0, count * pixels),
    labels: set.labels.slice(0, count),
  };
}

function firstEpoch(epochs: ContenderEpoch[]): ContenderResult {
  return {
    secondsPerEpoch: epochs[0].seconds,
    testAccuracy: epochs[0].testAccuracy,
  };
}

function checkAccuracy(
  epochs: ContenderEpoch[],
  trainImages: number,
  testImages: number,
): AccuracyCheck {
  const goals = ACCURACY_GOALS.map((goal) => {
    const reached = epochs[goal.epoch - 1].testAccuracy;
    return { ...goal, reached, met: reached >= goal.testAccuracy };
  });
  return {
    epochs: epochs.map(({ epoch, testAccuracy }) => ({ epoch, testAccuracy })),
    goals,
    fullDataset:
      trainImages === FULL_DATASET.train && testImages === FULL_DATASET.test,
  };
}

/** Trains one side in a new worker thread and returns its epochs. */
function runContender(
  task: ContenderTask,
  onProgress: TrainingBenchOptions["onProgress"],
): Promise<ContenderEpoch[]> {
  const label = LABELS[task.contender];
  const worker = startWorker(task);
  return new Promise<ContenderEpoch[]>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      finish();
    };
    worker.on("message", (message: ContenderMessage) => {
      if (message.kind === "progress") {
        onProgress?.(message.done, message.total, label);
      } else if (message.kind === "done") {
        settle(() => resolve(message.epochs));
      } else {
        const error = new Error(`${label} failed: ${message.message}`);
        settle(() => reject(error));
      }
    });
    worker.on("error", (error) => settle(() => reject(error)));
    worker.on("exit", (code) => {
      const error = new Error(
        `${label}: the training worker exited with code ${code} before it finished.`,
      );
      settle(() => reject(error));
    });
  });
}

/**
 * Starts a training worker: the compiled `training-worker.js`, or, when this
 * module runs from its TypeScript source (as under vitest),
 * `training-worker.ts` behind a small script that registers tsx's loader
 * first.
 */
function startWorker(workerData: ContenderTask): Worker {
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL("./training-worker.js", import.meta.url), {
      workerData,
    });
  }
  const api = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(
    new URL("./training-worker.ts", import.meta.url).href,
  );
  const boot = `import(${api}).then(({ register }) => { register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true, workerData });
}
