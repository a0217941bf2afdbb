/**
 * Entry point of a training-benchmark worker thread: trains the MLP once,
 * through descent's `runTraining` or through TF.js's `model.fit`, as its
 * `workerData` selects, and posts the time and test accuracy of every epoch.
 */
import { parentPort, workerData } from "node:worker_threads";

import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type * as tfl from "@tensorflow/tfjs-layers";

import { setupBackend, wasmBinaryFolder } from "../train/backend.js";
import { installWasmTrainingKernels } from "../tfjs/wasm-kernels.js";
import { makeBatch, range } from "../train/batches.js";
import type { ImageSet } from "../train/idx.js";
import { buildModel } from "../train/models.js";
import { runTraining } from "../train/run.js";
import {
  BATCH_SIZE,
  type ContenderEpoch,
  type ContenderMessage,
  type ContenderTask,
  LEARNING_RATE,
} from "./training.js";

// Progress messages at most this often, so a fast run does not flood the main thread.
const PROGRESS_INTERVAL_MS = 200;
// Test images per forward pass when model.fit's side is evaluated.
const EVALUATION_BATCH = 1000;

type ReportProgress = (done: number, total: number) => void;

/** Trains through descent's loop on the wasm backend with descent's training kernels. */
async function trainWithDescent(
  task: ContenderTask,
  report: ReportProgress,
): Promise<ContenderEpoch[]> {
  await setupBackend("wasm");
  const total = stepsPerEpoch(task) * task.epochs;
  const result = await runTraining(
    {
      model: "mlp",
      optimizer: "adam",
      optimizerOptions: { lr: LEARNING_RATE },
      seed: task.seed,
      epochs: task.epochs,
      batchSize: BATCH_SIZE,
    },
    task.data,
    { onStep: ({ step }) => report(step, total) },
  );
  return result.epochs.map(({ epoch, seconds, testAccuracy }) => ({
    epoch,
    seconds,
    testAccuracy,
  }));
}

/**
 * Trains with `model.fit` and `tf.train.adam` on the wasm backend, set up
 * here by hand so that the backend keeps its stock kernels unless
 * `withKernels` installs descent's wasm training kernels. The loss is
 * softmax cross-entropy on the logits, as in descent's loop.
 */
async function trainWithModelFit(
  task: ContenderTask,
  report: ReportProgress,
  withKernels: boolean,
): Promise<ContenderEpoch[]> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setWasmPaths(wasmBinaryFolder());
  if (!(await tf.setBackend("wasm"))) {
    throw new Error(
      `TF.js backend 'wasm' failed to initialise. Check that ` +
        `${wasmBinaryFolder()} holds the .wasm files of @tensorflow/tfjs-backend-wasm.`,
    );
  }
  await tf.ready();
  if (withKernels) installWasmTrainingKernels();

  const { train, test } = task.data;
  const model = buildModel("mlp", train, task.seed);
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: (ys: tf.Tensor, logits: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(
        ys,
        logits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      ),
  });
  const { xs, ys } = makeBatch(train, range(0, train.count));
  const steps = stepsPerEpoch(task);
  const epochs: ContenderEpoch[] = [];
  let started = 0;
  await model.fit(xs, ys, {
    batchSize: BATCH_SIZE,
    epochs: task.epochs,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        started = performance.now();
      },
      onBatchEnd: async (batch: number) => report(batch + 1, steps),
      onEpochEnd: async (epoch: number) => {
        const seconds = (performance.now() - started) / 1000;
        const testAccuracy = accuracyOf(model, test);
        epochs.push({ epoch: epoch + 1, seconds, testAccuracy });
      },
    },
  });
  tf.dispose([xs, ys]);
  model.dispose();
  return epochs;
}

function stepsPerEpoch(task: ContenderTask): number {
  return Math.ceil(task.data.train.count / BATCH_SIZE);
}

/** Returns the fraction of `set` that `model` classifies correctly. */
function accuracyOf(model: tfl.LayersModel, set: ImageSet): number {
  let correct = 0;
  for (let start = 0; start < set.count; start += EVALUATION_BATCH) {
    const end = Math.min(start + EVALUATION_BATCH, set.count);
    correct += tf.tidy(() => {
      const { xs, ys } = makeBatch(set, range(start, end));
      const logits = model.predict(xs) as tf.Tensor;
      const hits = tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1));
      return tf.sum(hits).dataSync()[0];
    });
  }
  return correct / set.count;
}

const CONTENDERS = {
  descent: trainWithDescent,
  modelFit: (task: ContenderTask, report: ReportProgress) =>
    trainWithModelFit(task, report, false),
  modelFitWithKernels: (task: ContenderTask, report: ReportProgress) =>
    trainWithModelFit(task, report, true),
};

if (parentPort !== null) {
  const port = parentPort;
  const task = workerData as ContenderTask;
  const send = (message: ContenderMessage) => port.postMessage(message);
  let lastProgress = 0;
  const report: ReportProgress = (done, total) => {
    const now = Date.now();
    if (done < total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    send({ kind: "progress", done, total });
  };
  try {
    send({
      kind: "done",
      epochs: await CONTENDERS[task.contender](task, report),
    });
  } catch (error) {
    send({
      kind: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
}
