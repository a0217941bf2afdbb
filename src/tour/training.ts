import { Worker } from "node:worker_threads";

import type * as tf from "@tensorflow/tfjs-core";

import { effectiveLearningRate } from "../core/index.js";
import { DescentOptimizer, createTfjsOptimizer } from "../tfjs/index.js";
import { setupBackend } from "../train/backend.js";
import { takeFirst } from "../train/batches.js";
import { type ImageSet, type MnistDataset, SHIPPED_DATA_DIR, loadFashionMnist } from "../train/idx.js";
import { type EpochMetrics, type RunConfig, runTraining } from "../train/run.js";

/** Training images held out to choose learning rates: the last this many of the training split. */
export const VALIDATION_COUNT = 1000;

/** One training run that an experiment requests. */
export interface TrainingJob {
  config: RunConfig;
  /**
   * Images each epoch is evaluated on: the dataset's test split, or the last
   * {@link VALIDATION_COUNT} training images. Training always draws from
   * the images before those, so the two never overlap.
   */
  evaluateOn: "test" | "validation";
  /** Record the spread of the per-weight step sizes after every epoch. */
  recordStepSizes?: boolean;
}

/** Spread of the per-weight effective learning rates after one epoch. */
export interface StepSizeSpread {
  epoch: number;
  median: number;
  min: number;
  max: number;
}

/** Measurements of one training run, as plain data that can cross a worker boundary. */
export interface TrainingOutcome {
  epochs: EpochMetrics[];
  /** Training loss of every step's batch, in order. */
  stepLosses: number[];
  stepSizes: StepSizeSpread[];
}

/** Runs training jobs; each experiment receives one in its context. */
export interface Trainer {
  /** Runs the jobs and returns their outcomes in the same order. */
  train(jobs: readonly TrainingJob[]): Promise<TrainingOutcome[]>;
  /** Frees its workers; a trainer without workers has nothing to free. */
  close(): Promise<void>;
}

const datasets = new Map<string, MnistDataset>();
let backendReady: Promise<unknown> | undefined;

/** Loads a dataset once per process and folder. */
function datasetAt(dataDir: string): MnistDataset {
  let data = datasets.get(dataDir);
  if (data === undefined) {
    data = loadFashionMnist(dataDir);
    datasets.set(dataDir, data);
  }
  return data;
}

/** Returns the images from `start` to the end of `set`. */
function takeFrom(set: ImageSet, start: number): ImageSet {
  const pixels = set.rows * set.cols;
  return {
    ...set,
    count: set.count - start,
    images: set.images.subarray(start * pixels),
    labels: set.labels.subarray(start),
  };
}

/** Splits the training images into training and validation, and picks the evaluation set. */
function splitFor(data: MnistDataset, evaluateOn: TrainingJob["evaluateOn"]): MnistDataset {
  if (data.train.count <= VALIDATION_COUNT) {
    throw new RangeError(
      `The tour reserves the last ${VALIDATION_COUNT} training images for validation, so it needs more ` +
        `than ${VALIDATION_COUNT}, but the dataset has only ${data.train.count}. Pass --data with a larger dataset.`,
    );
  }
  const trainCount = data.train.count - VALIDATION_COUNT;
  const train = takeFirst(data.train, trainCount);
  const test = evaluateOn === "test" ? data.test : takeFrom(data.train, trainCount);
  return { train, test };
}

/**
 * Runs one training job in this process on TF.js's WebAssembly backend,
 * which is set up on the first call.
 */
export async function runTrainingJob(
  job: TrainingJob,
  dataDir: string = SHIPPED_DATA_DIR,
): Promise<TrainingOutcome> {
  backendReady ??= setupBackend("wasm");
  await backendReady;
  const data = splitFor(datasetAt(dataDir), job.evaluateOn);
  const stepSizes: StepSizeSpread[] = [];
  let optimizer: tf.Optimizer | undefined;
  const result = await runTraining(job.config, data, {
    // Keeps the optimizer so that its step sizes can be read at each epoch's end.
    createOptimizer: (name, options) => {
      optimizer = createTfjsOptimizer(name, options);
      return optimizer;
    },
    onEpoch: (metrics) => {
      if (!job.recordStepSizes || !(optimizer instanceof DescentOptimizer)) return;
      const summary = effectiveLearningRate(optimizer.core);
      if (summary !== undefined) {
        stepSizes.push({ epoch: metrics.epoch, median: summary.median, min: summary.min, max: summary.max });
      }
    },
  });
  return { epochs: result.epochs, stepLosses: result.stepLosses, stepSizes };
}

/** A message from a training worker: one job's outcome or its error. */
export type WorkerReply = { id: number; outcome: TrainingOutcome } | { id: number; error: string };

interface PendingJob {
  id: number;
  job: TrainingJob;
  resolve: (outcome: TrainingOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * Creates a trainer that runs jobs on `workers` worker threads, each with
 * its own TF.js backend, or in this process one after another when
 * `workers` is 0. Jobs from concurrent `train` calls share one queue.
 */
export function createTrainer(options: { workers: number; dataDir?: string }): Trainer {
  const dataDir = options.dataDir ?? SHIPPED_DATA_DIR;
  if (options.workers === 0) {
    return {
      async train(jobs) {
        const outcomes: TrainingOutcome[] = [];
        for (const job of jobs) outcomes.push(await runTrainingJob(job, dataDir));
        return outcomes;
      },
      async close() {},
    };
  }
  return new WorkerTrainer(options.workers, dataDir);
}

/**
 * Starts a training worker: the compiled `worker.js`, or, when this module
 * runs from its TypeScript source, `worker.ts` behind a small script that
 * registers tsx's loader first.
 */
function startWorker(dataDir: string): Worker {
  const workerData = { dataDir };
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL("./worker.js", import.meta.url), { workerData });
  }
  const api = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./worker.ts", import.meta.url).href);
  const boot = `import(${api}).then(({ register }) => { register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true, workerData });
}

class WorkerTrainer implements Trainer {
  private readonly queue: PendingJob[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, PendingJob>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly dataDir: string,
  ) {}

  train(jobs: readonly TrainingJob[]): Promise<TrainingOutcome[]> {
    if (this.closed) return Promise.reject(new Error("The trainer is closed; create a new one to train."));
    const outcomes = jobs.map(
      (job) =>
        new Promise<TrainingOutcome>((resolve, reject) => {
          this.queue.push({ id: this.nextId++, job, resolve, reject });
        }),
    );
    while (this.workers.length < Math.min(this.size, this.queue.length + this.busy.size)) this.spawn();
    this.dispatch();
    return Promise.all(outcomes);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private spawn(): void {
    const worker = startWorker(this.dataDir);
    worker.on("message", (reply: WorkerReply) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if (pending !== undefined) {
        if ("error" in reply) pending.reject(new Error(reply.error));
        else pending.resolve(reply.outcome);
      }
      this.dispatch();
    });
    worker.on("error", (error) => this.fail(worker, error));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(worker, new Error(`A training worker stopped with exit code ${code}.`));
    });
    this.workers.push(worker);
    this.idle.push(worker);
  }

  /** Rejects the job a failed worker held and every queued job, since the pool is broken. */
  private fail(worker: Worker, error: Error): void {
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    pending?.reject(error);
    for (const job of this.queue.splice(0)) job.reject(error);
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.postMessage({ id: pending.id, job: pending.job });
    }
  }
}
