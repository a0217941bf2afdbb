import { join } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { makeBatch, range, takeFirst } from "./batches.js";
import {
  CHECKPOINT_FILE,
  type Checkpoint,
  type NamedTensor,
  checkCheckpointTensors,
  checkStateLoads,
  loadCheckpoint,
  readNamedArrays,
  saveCheckpoint,
  toNamedArrays,
} from "./checkpoint.js";
import type { ImageSet, MnistDataset } from "./idx.js";
import { MODEL_NAMES, type ModelName, buildModel } from "./models.js";
import { createOptimizer, medianEffectiveLr } from "./optimizer.js";
import { Random, permutation } from "./random.js";
import {
  type RunSchedule,
  type ScheduleConfig,
  createRunSchedule,
  scheduleSpansRun,
} from "./schedule.js";
import {
  accumulateGradients,
  averageGradients,
  clipByGlobalNorm,
} from "./gradients.js";
import { DescentOptimizer } from "../tfjs/index.js";

/** Settings of one training run: one model, one optimizer, one seed. */
export interface RunConfig {
  model: ModelName;
  /** Optimizer name, as `createTfjsOptimizer` takes it (`adam`, `sgd`, ...). */
  optimizer: string;
  /** Optimizer options in descent's camelCase names (`lr`, `betas`, ...). */
  optimizerOptions?: Record<string, unknown>;
  /** Seed of the initial weights and of the shuffling. */
  seed: number;
  epochs: number;
  /** Examples per step, or `'full'` for full-batch gradient descent. */
  batchSize: number | "full";
  /** Train on the first this many training images only. Default: all. */
  trainLimit?: number;
  /** Evaluate on the first this many test images only. Default: all. */
  testLimit?: number;
  /** Learning-rate schedule over the run. Default: the rate stays constant. */
  schedule?: ScheduleConfig;
  /** Clip the gradients' global 2-norm to this value before each update. */
  clipNorm?: number;
  /** Average the gradients of this many batches into one update. Default 1. */
  accumulate?: number;
}

/**
 * Gradient-descent regime that the batch size makes: one example per step
 * (`stochastic`), the whole training set (`full-batch`), or in between.
 */
export type BatchRegime = "stochastic" | "minibatch" | "full-batch";

/** Metrics at the end of one epoch. */
export interface EpochMetrics {
  optimizer: string;
  /** Epoch number, from 1. */
  epoch: number;
  /** Mean cross-entropy over the epoch's training steps, per example. */
  trainLoss: number;
  /** Mean cross-entropy on the test set after the epoch. */
  testLoss: number;
  /** Fraction of test images classified correctly, 0 to 1. */
  testAccuracy: number;
  /** Wall-clock seconds of the epoch's training steps, evaluation excluded. */
  seconds: number;
  /** Effective learning rate after the epoch's last step, if reported. */
  effectiveLr?: number;
}

/** Metrics of one training step. */
export interface StepMetrics {
  epoch: number;
  /** Step number counted over the whole run, from 1. */
  step: number;
  /** Mean cross-entropy of the step's batch before the update. */
  loss: number;
  /** Learning rate in force for the step's update, for optimizers that expose one. */
  lr?: number;
  effectiveLr?: number;
}

/** Callbacks, optimizer factory and checkpointing of a run. */
export interface RunOptions {
  /** Called after each step. */
  onStep?: (metrics: StepMetrics) => void;
  /** Called after each epoch, once its checkpoint is saved; awaited. */
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /** Called once when a run resumes, with the epochs restored. */
  onResume?: (restored: EpochMetrics[]) => void;
  /**
   * Makes the optimizer. Default: descent's `createTfjsOptimizer`.
   */
  createOptimizer?: (
    name: string,
    options: Record<string, unknown>,
  ) => tf.Optimizer;
  /**
   * Reads the effective learning rate of `optimizer`, or returns undefined
   * if it has none. When given, it runs after every step and its value goes
   * into each StepMetrics; either way it runs once per epoch for
   * EpochMetrics. Default for epochs: the median over all weights of a
   * descent optimizer's per-element step size.
   */
  effectiveLr?: (optimizer: tf.Optimizer) => number | undefined;
  /** Folder for the checkpoint written at every epoch end. */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir`, if there is one. */
  resume?: boolean;
}

/** Everything a finished run measured. */
export interface RunResult {
  config: RunConfig;
  /** Resolved batch size, in examples. */
  batchSize: number;
  regime: BatchRegime;
  trainCount: number;
  testCount: number;
  epochs: EpochMetrics[];
  /** Training loss of every step, in order. */
  stepLosses: number[];
  /** Learning rate of every step, in order; null where the optimizer exposes none. */
  stepLrs: (number | null)[];
  /** Epochs restored from a checkpoint rather than trained in this call. */
  resumedEpochs: number;
}

// Test images per evaluation batch: bounds the memory of one forward pass.
const EVALUATION_BATCH = 1000;

function checkConfig(config: RunConfig, train: ImageSet): number {
  const fail = (problem: string) => {
    throw new RangeError(`Training run: ${problem}`);
  };
  if (!(MODEL_NAMES as readonly string[]).includes(config.model)) {
    fail(
      `unknown model '${config.model}'. Choose one of ${MODEL_NAMES.join(", ")}.`,
    );
  }
  if (!Number.isSafeInteger(config.seed)) {
    fail(`seed must be an integer, got ${config.seed}. Try 0.`);
  }
  if (!Number.isSafeInteger(config.epochs) || config.epochs < 1) {
    fail(`epochs must be a positive integer, got ${config.epochs}. Try 5.`);
  }
  for (const key of ["trainLimit", "testLimit"] as const) {
    const limit = config[key];
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) {
      fail(`${key} must be a positive integer, got ${limit}. Try 1000.`);
    }
  }
  if (
    config.clipNorm !== undefined &&
    !(Number.isFinite(config.clipNorm) && config.clipNorm > 0)
  ) {
    fail(`clipNorm must be a number > 0, got ${config.clipNorm}. Try 1.`);
  }
  const accumulate = config.accumulate ?? 1;
  if (!Number.isSafeInteger(accumulate) || accumulate < 1) {
    fail(
      `accumulate must be a positive integer, got ${config.accumulate}. Try 4.`,
    );
  }
  if (config.batchSize === "full") return train.count;
  const size = config.batchSize;
  if (!Number.isSafeInteger(size) || size < 1) {
    fail(
      `batchSize must be a positive integer or 'full', got ${size}. Try 128.`,
    );
  }
  if (size > train.count) {
    fail(
      `batchSize ${size} is larger than the ${train.count} training ` +
        `images. Use 'full' for full-batch gradient descent.`,
    );
  }
  return size;
}

function regimeOf(batchSize: number, trainCount: number): BatchRegime {
  if (batchSize === trainCount) return "full-batch";
  return batchSize === 1 ? "stochastic" : "minibatch";
}

function crossEntropy(logits: tf.Tensor, ys: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
}

/** Returns the mean test loss and the accuracy of `model` on `set`. */
function evaluate(
  model: tfl.LayersModel,
  set: ImageSet,
): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += EVALUATION_BATCH) {
    const end = Math.min(start + EVALUATION_BATCH, set.count);
    const [batchLoss, batchCorrect] = tf.tidy(() => {
      const { xs, ys } = makeBatch(set, range(start, end));
      const logits = model.apply(xs, { training: false }) as tf.Tensor;
      const loss = tf.losses.softmaxCrossEntropy(
        ys,
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      const hits = tf.sum(tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1)));
      return [loss.dataSync()[0], hits.dataSync()[0]];
    });
    lossSum += batchLoss;
    correct += batchCorrect;
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count };
}

/** Mutable state of a run between epochs: what a checkpoint stores. */
interface RunState {
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  random: Random;
  epochs: EpochMetrics[];
  stepLosses: number[];
  stepLrs: (number | null)[];
  schedule?: RunSchedule;
}

function checkpointOf(
  config: RunConfig,
  state: RunState,
  fingerprint: string,
  optimizerWeights: NamedTensor[],
): Checkpoint {
  const values = state.model.getWeights();
  const modelWeights = state.model.weights.map((w, i) => ({
    name: w.originalName,
    tensor: values[i],
  }));
  return {
    config,
    dataFingerprint: fingerprint,
    epoch: state.epochs.length,
    randomState: state.random.state,
    epochs: state.epochs,
    stepLosses: state.stepLosses,
    stepLrs: state.stepLrs,
    modelWeights: toNamedArrays(modelWeights),
    optimizerWeights: toNamedArrays(optimizerWeights),
    ...(state.schedule?.stateDict()
      ? { schedulerState: state.schedule.stateDict() }
      : {}),
  };
}

/** Returns the core optimizer behind a descent TF.js optimizer, which schedules drive. */
function coreOf(optimizer: tf.Optimizer) {
  // Not instanceof: tf.Optimizer's Symbol.hasInstance (TF.js 4.22) accepts any optimizer.
  if (
    !Object.prototype.isPrototypeOf.call(DescentOptimizer.prototype, optimizer)
  ) {
    throw new RangeError(
      "Training run: a learning-rate schedule needs a descent optimizer; this run was given another tf.Optimizer. " +
        "Leave createOptimizer at its default or drop the schedule.",
    );
  }
  return (optimizer as DescentOptimizer).core;
}

/**
 * Restores `state` from `checkpoint`. Everything is checked first, the
 * optimizer and schedule state by loading it into `scratch` copies, so a
 * checkpoint that does not fit fails before any part of the run changes.
 */
async function restore(
  path: string,
  checkpoint: Checkpoint,
  state: RunState,
  modelName: ModelName,
  scratch: () => { optimizer: tf.Optimizer; schedule?: RunSchedule },
): Promise<void> {
  const modelWeights = state.model.weights.map((w) => ({
    name: w.originalName,
    shape: w.read().shape,
  }));
  checkCheckpointTensors(path, checkpoint, {
    name: modelName,
    weights: modelWeights,
  });

  // Optimizers copy what setWeights gets, or keep it as a variable that
  // shares the data by reference count, so disposing it here is safe.
  const optimizerWeights = readNamedArrays(checkpoint.optimizerWeights, path);
  try {
    await checkStateLoads(path, checkpoint, optimizerWeights, scratch());
    await state.optimizer.setWeights(optimizerWeights);
  } finally {
    tf.dispose(optimizerWeights.map((w) => w.tensor));
  }
  const weights = readNamedArrays(checkpoint.modelWeights, path);
  state.model.setWeights(weights.map((w) => w.tensor));
  tf.dispose(weights.map((w) => w.tensor));

  state.random.state = checkpoint.randomState;
  state.epochs = checkpoint.epochs;
  state.stepLosses = checkpoint.stepLosses;
  // Checkpoints from before learning rates were recorded hold none.
  state.stepLrs = checkpoint.stepLrs ?? checkpoint.stepLosses.map(() => null);
  if (checkpoint.schedulerState !== undefined)
    state.schedule?.loadStateDict(checkpoint.schedulerState);
}

/**
 * Returns a short hash of a dataset's labels and sizes, so that a checkpoint
 * is not resumed on other data.
 */
function fingerprintOf(train: ImageSet, test: ImageSet): string {
  let hash = 0x811c9dc5;
  for (const set of [train, test]) {
    for (const value of [set.count, set.rows, set.cols, ...set.labels]) {
      hash = Math.imul(hash ^ value, 0x01000193) >>> 0;
    }
  }
  return `${train.count}+${test.count}:${hash.toString(16)}`;
}

/**
 * Trains one model with one optimizer and seed on `data`, evaluating on the
 * test split after every epoch.
 *
 * Runs are deterministic: the same config, data and backend give the same
 * numbers, and a run resumed from its checkpoint ends with the same numbers
 * as one that was never interrupted.
 *
 * @throws RangeError for an invalid config; Error if `resume` finds a
 *   checkpoint made with other settings or data.
 */
export async function runTraining(
  config: RunConfig,
  data: MnistDataset,
  options: RunOptions = {},
): Promise<RunResult> {
  const train = takeFirst(data.train, config.trainLimit ?? data.train.count);
  const test = takeFirst(data.test, config.testLimit ?? data.test.count);
  const batchSize = checkConfig(config, train);
  const fingerprint = fingerprintOf(train, test);
  const makeOptimizer = options.createOptimizer ?? createOptimizer;

  // The optimizer first: its options may be invalid, and then no model leaks.
  const optimizer = makeOptimizer(
    config.optimizer,
    config.optimizerOptions ?? {},
  );
  const state: RunState = {
    model: buildModel(config.model, train, config.seed),
    optimizer,
    random: new Random(config.seed),
    epochs: [],
    stepLosses: [],
    stepLrs: [],
  };
  const variables = state.model.trainableWeights.map(
    (w) => w.read() as tf.Variable,
  );
  const accumulate = config.accumulate ?? 1;
  const updatesPerEpoch = Math.ceil(
    Math.ceil(train.count / batchSize) / accumulate,
  );
  const scheduleOf = (runOptimizer: tf.Optimizer) =>
    config.schedule
      ? createRunSchedule(
          coreOf(runOptimizer),
          config.schedule,
          updatesPerEpoch * config.epochs,
        )
      : undefined;
  const schedule = scheduleOf(optimizer);
  state.schedule = schedule;

  try {
    if (options.checkpointDir !== undefined && options.resume) {
      const saved = loadCheckpoint(options.checkpointDir, config, fingerprint);
      if (saved !== undefined && saved.epoch > config.epochs) {
        throw new RangeError(
          `Training run: the checkpoint in ${options.checkpointDir} has ` +
            `${saved.epoch} epochs, more than the ${config.epochs} ` +
            `requested. Ask for at least ${saved.epoch} epochs.`,
        );
      }
      if (
        saved !== undefined &&
        saved.config.epochs !== config.epochs &&
        config.schedule !== undefined &&
        scheduleSpansRun(config.schedule)
      ) {
        throw new RangeError(
          `Training run: the checkpoint in ${options.checkpointDir} belongs to a run of ` +
            `${saved.config.epochs} epochs, over which its ${config.schedule.name} schedule ` +
            `spreads the learning rate, so resuming it with ${config.epochs} epochs would give ` +
            `the remaining epochs rates planned for another run. Resume with ` +
            `${saved.config.epochs} epochs, or start a new run in another folder.`,
        );
      }
      if (saved !== undefined) {
        const path = join(options.checkpointDir, CHECKPOINT_FILE);
        await restore(path, saved, state, config.model, () => {
          const scratch = makeOptimizer(
            config.optimizer,
            config.optimizerOptions ?? {},
          );
          return { optimizer: scratch, schedule: scheduleOf(scratch) };
        });
        options.onResume?.(state.epochs);
      }
    }
    const resumedEpochs = state.epochs.length;

    for (let epoch = resumedEpochs + 1; epoch <= config.epochs; epoch++) {
      const order = permutation(train.count, state.random);
      const started = performance.now();
      let lossSum = 0;
      let pending: tf.NamedTensorMap | undefined;
      let batchesInUpdate = 0;

      for (let start = 0; start < train.count; start += batchSize) {
        const indices = order.subarray(
          start,
          Math.min(start + batchSize, train.count),
        );
        const { xs, ys } = makeBatch(train, indices);
        const { value, grads } = tf.variableGrads(() => {
          const logits = state.model.apply(xs, { training: true });
          return crossEntropy(logits as tf.Tensor, ys);
        }, variables);
        const loss = value.dataSync()[0];
        tf.dispose([xs, ys, value]);
        const lr = (state.optimizer as { learningRate?: unknown }).learningRate;

        // Gradients of `accumulate` batches (fewer at the epoch's end) make one update.
        pending = accumulateGradients(pending, grads);
        batchesInUpdate += 1;
        if (
          batchesInUpdate === accumulate ||
          start + batchSize >= train.count
        ) {
          let update = averageGradients(pending, batchesInUpdate);
          if (config.clipNorm !== undefined)
            update = clipByGlobalNorm(update, config.clipNorm).grads;
          try {
            state.optimizer.applyGradients(update);
          } catch (error) {
            tf.dispose(Object.values(update));
            throw explainDivergence(error, epoch, state.stepLosses.length + 1, loss, lr);
          }
          tf.dispose(Object.values(update));
          pending = undefined;
          batchesInUpdate = 0;
          schedule?.afterUpdate();
        }

        lossSum += loss * indices.length;
        state.stepLosses.push(loss);
        state.stepLrs.push(typeof lr === "number" ? lr : null);
        const effectiveLr = options.effectiveLr?.(state.optimizer);
        options.onStep?.({
          epoch,
          step: state.stepLosses.length,
          loss,
          ...(typeof lr === "number" ? { lr } : {}),
          ...(effectiveLr === undefined ? {} : { effectiveLr }),
        });
      }

      const seconds = (performance.now() - started) / 1000;
      const effectiveLr = (options.effectiveLr ?? medianEffectiveLr)(
        state.optimizer,
      );
      const evaluation = evaluate(state.model, test);
      schedule?.afterEpoch(evaluation.loss);
      const metrics: EpochMetrics = {
        optimizer: config.optimizer,
        epoch,
        trainLoss: lossSum / train.count,
        testLoss: evaluation.loss,
        testAccuracy: evaluation.accuracy,
        seconds,
        ...(effectiveLr === undefined ? {} : { effectiveLr }),
      };
      state.epochs.push(metrics);

      if (options.checkpointDir !== undefined) {
        const optimizerWeights = await state.optimizer.getWeights();
        const checkpoint = checkpointOf(
          config,
          state,
          fingerprint,
          optimizerWeights,
        );
        // getWeights returns the optimizer's state variables themselves and
        // new tensors, such as TF.js's iteration count or every weight of a
        // descent optimizer. Disposing the new ones is safe even for a
        // descent optimizer, which frees them at its next call, because
        // disposing a tensor twice does nothing.
        tf.dispose(
          optimizerWeights
            .map((w) => w.tensor)
            .filter((t) => !(t instanceof tf.Variable)),
        );
        saveCheckpoint(options.checkpointDir, checkpoint);
      }
      await options.onEpoch?.(metrics);
    }

    return {
      config,
      batchSize,
      regime: regimeOf(batchSize, train.count),
      trainCount: train.count,
      testCount: test.count,
      epochs: state.epochs,
      stepLosses: state.stepLosses,
      stepLrs: state.stepLrs,
      resumedEpochs,
    };
  } finally {
    state.model.dispose();
    state.optimizer.dispose();
  }
}

/**
 * Rewrites the optimizer's error for a non-finite gradient, whose advice to
 * pass `skipNonFinite` a training run cannot take, into one that names the
 * step and the run settings that help. Other errors pass through unchanged.
 */
function explainDivergence(
  error: unknown,
  epoch: number,
  step: number,
  loss: number,
  lr: unknown,
): unknown {
  if (!(error instanceof RangeError) || !/must be finite/.test(error.message))
    return error;
  const detail = error.message.replace(/ Find where the loss.*$/s, "");
  const rate = typeof lr === "number" ? `, now ${lr}` : "";
  return new RangeError(
    `Training run: the run diverged at step ${step} of epoch ${epoch} (loss ${loss}), ` +
      `and the update was not applied. ${detail} Lower the learning rate ` +
      `(optimizerOptions.lr or --lr${rate}), or clip gradients (clipNorm or --clip-norm).`,
  );
}
