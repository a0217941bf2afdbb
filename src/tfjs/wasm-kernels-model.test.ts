import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { wasmBinaryFolder } from "../train/backend.js";
import { Random } from "../train/random.js";
import { createTfjsOptimizer, installWasmTrainingKernels } from "./index.js";

/**
 * installWasmTrainingKernels through the public entry point, called after
 * the wasm backend is initialised, as a model.fit user would. Vitest runs
 * each test file in a process of its own, so the stock kernels are in place
 * until this file installs the replacements.
 */

function convModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 2,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({
    optimizer: createTfjsOptimizer("adam", { lr: 0.05 }),
    loss: "meanSquaredError",
  });
  return model;
}

/**
 * Builds a depthwise and a separable convolution with channel multiplier 2,
 * with batch normalisation and max pooling between them, so that some
 * pooling windows contain no positive value.
 */
function depthwiseModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.depthwiseConv2d({
        inputShape: [6, 6, 1],
        kernelSize: 3,
        depthMultiplier: 2,
        padding: "same",
        depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
      }),
      tfl.layers.batchNormalization(),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }),
      tfl.layers.separableConv2d({
        filters: 3,
        kernelSize: [3, 2],
        strides: 2,
        depthMultiplier: 2,
        depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
        pointwiseInitializer: tfl.initializers.glorotUniform({ seed: 5 }),
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }),
      }),
    ],
  });
  model.compile({
    optimizer: createTfjsOptimizer("adam", { lr: 0.05 }),
    loss: "meanSquaredError",
  });
  return model;
}

/**
 * Builds an embedding feeding an LSTM, so training needs the gather's
 * gradient and goes through the recurrent layer's gradients.
 */
function embeddingModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.embedding({
        inputDim: 10,
        outputDim: 4,
        inputLength: 5,
        embeddingsInitializer: tfl.initializers.randomUniform({
          minval: -0.5,
          maxval: 0.5,
          seed: 7,
        }),
      }),
      tfl.layers.lstm({
        units: 4,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 8 }),
        recurrentInitializer: tfl.initializers.glorotUniform({ seed: 9 }),
      }),
      tfl.layers.dense({
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 }),
      }),
    ],
  });
  model.compile({
    optimizer: createTfjsOptimizer("adam", { lr: 0.1 }),
    loss: "meanSquaredError",
  });
  return model;
}

/**
 * Builds a 3-D convolution with stride 2 and "same" padding, then 3-D max
 * pooling. The convolution's bias starts at -1, so that many pooling
 * windows contain no positive value.
 */
function conv3dModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv3d({
        inputShape: [5, 5, 5, 1],
        filters: 2,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 11 }),
        biasInitializer: tfl.initializers.constant({ value: -1 }),
      }),
      tfl.layers.maxPooling3d({ poolSize: 2, strides: 1 }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 12 }),
      }),
    ],
  });
  model.compile({
    optimizer: createTfjsOptimizer("adam", { lr: 0.05 }),
    loss: "meanSquaredError",
  });
  return model;
}

interface Batch {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

function targets(): tf.Tensor {
  const values = Float32Array.from({ length: 8 * 2 }, (_, i) =>
    Math.cos(i * 1.3),
  );
  return tf.tensor2d(values, [8, 2]);
}

/** Eight random sequences of five token ids from 0 to 9. */
function tokenBatch(): Batch {
  const random = new Random(13);
  const ids = Float32Array.from({ length: 8 * 5 }, () => random.nextInt(10));
  return { xs: tf.tensor2d(ids, [8, 5]), ys: targets() };
}

/** Eight 5 × 5 × 5 volumes with one channel. */
function volumeBatch(): Batch {
  const voxels = Float32Array.from({ length: 8 * 125 }, (_, i) =>
    Math.sin(i * 0.7),
  );
  return { xs: tf.tensor5d(voxels, [8, 5, 5, 5, 1]), ys: targets() };
}

function batch(): Batch {
  const pixels = Float32Array.from({ length: 8 * 36 }, (_, i) =>
    Math.sin(i * 0.7),
  );
  const targets = Float32Array.from({ length: 8 * 2 }, (_, i) =>
    Math.cos(i * 1.3),
  );
  return {
    xs: tf.tensor4d(pixels, [8, 6, 6, 1]),
    ys: tf.tensor2d(targets, [8, 2]),
  };
}

describe("installWasmTrainingKernels", () => {
  beforeAll(async () => {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setWasmPaths(wasmBinaryFolder());
    expect(await tf.setBackend("wasm")).toBe(true);
    await tf.ready();
  });

  it("stock kernels cannot train convolutions", async () => {
    const { xs, ys } = batch();
    const conv = convModel();
    await expect(conv.fit(xs, ys, { epochs: 1, verbose: 0 })).rejects.toThrow(
      /Conv2DBackpropFilter/,
    );
    const depthwise = tfl.sequential({
      layers: [
        tfl.layers.depthwiseConv2d({ inputShape: [6, 6, 1], kernelSize: 3 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    depthwise.compile({
      optimizer: createTfjsOptimizer("sgd", { lr: 0.1 }),
      loss: "meanSquaredError",
    });
    await expect(
      depthwise.fit(xs, ys, { epochs: 1, verbose: 0 }),
    ).rejects.toThrow(/DepthwiseConv2dNativeBackprop(Input|Filter)/);
    conv.dispose();
    depthwise.dispose();
    tf.dispose([xs, ys]);
  });

  it("stock kernels cannot train an embedding", async () => {
    const { xs, ys } = tokenBatch();
    const model = embeddingModel();
    await expect(model.fit(xs, ys, { epochs: 1, verbose: 0 })).rejects.toThrow(
      /UnsortedSegmentSum/,
    );
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it("lets model.fit train a convolution as on cpu", async () => {
    await expectTrainingAsOnCpu(convModel);
  });

  it("lets model.fit train depthwise and separable ones as on cpu", async () => {
    await expectTrainingAsOnCpu(depthwiseModel);
  });

  it("lets model.fit train an embedding and an LSTM as on cpu", async () => {
    await expectTrainingAsOnCpu(embeddingModel, tokenBatch);
  });

  it("lets model.fit train 3-D convolution and pooling as on cpu", async () => {
    await expectTrainingAsOnCpu(conv3dModel, volumeBatch);
  });
});

const EPOCHS = 20;

/**
 * Installs the kernels, trains a model from `build` on wasm and on cpu with
 * the batch from `data`, and expects the same falling losses.
 */
async function expectTrainingAsOnCpu(
  build: () => tfl.LayersModel,
  data: () => Batch = batch,
): Promise<void> {
  installWasmTrainingKernels();
  const { xs, ys } = data();
  const wasmLosses = await fitLosses(build, xs, ys);
  await tf.setBackend("cpu");
  const cpuLosses = await fitLosses(build, xs, ys);
  await tf.setBackend("wasm");

  expect(wasmLosses).toHaveLength(EPOCHS);
  expect(wasmLosses[EPOCHS - 1]).toBeLessThan(wasmLosses[0] * 0.8);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    expect(wasmLosses[epoch], `epoch ${epoch + 1}`).toBeCloseTo(
      cpuLosses[epoch],
      4,
    );
  }
  tf.dispose([xs, ys]);
}

/** Trains a new model for EPOCHS epochs on the current backend and returns its losses. */
async function fitLosses(
  build: () => tfl.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
): Promise<number[]> {
  const model = build();
  const history = await model.fit(xs, ys, { epochs: EPOCHS, verbose: 0 });
  model.dispose();
  return history.history.loss as number[];
}
