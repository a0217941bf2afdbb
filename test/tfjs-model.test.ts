import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { algorithmNames } from "../src/core/index.js";
import { CosineAnnealingLR } from "../src/schedules/index.js";
import { DescentOptimizer, createTfjsOptimizer } from "../src/tfjs/index.js";
import { TEST_BACKENDS, useBackend } from "./helpers/tfjs-backend.js";

/** A learning rate per algorithm at which a small dense model trains within 30 epochs. */
const LEARNING_RATES: Record<string, number> = {
  sgd: 0.05,
  momentum: 0.02,
  nesterov: 0.02,
  adagrad: 0.1,
  adadelta: 1,
  rmsprop: 0.01,
  adam: 0.02,
  amsgrad: 0.02,
  adamw: 0.02,
  adamax: 0.02,
  nadam: 0.02,
  radam: 0.02,
  adabound: 0.02,
  amsbound: 0.02,
  adaboundw: 0.02,
};

/** Builds a two-class problem that a 4-8-1 network learns: y = 1 when x0·x1 + x2 > 0. */
function dataset(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const n = 64;
  const xs: number[][] = [];
  const ys: number[][] = [];
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const row = [random(), random(), random(), random()];
    xs.push(row);
    ys.push([row[0] * row[1] + row[2] > 0 ? 1 : 0]);
  }
  return { x: tf.tensor2d(xs), y: tf.tensor2d(ys) };
}

function buildModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 8, inputShape: [4], activation: "tanh", kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
}

const FIT = { batchSize: 16, shuffle: false, verbose: 0 } as const;

for (const backend of TEST_BACKENDS) {
  describe(`TF.js models on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    for (const name of algorithmNames) {
      it(`${name} lowers the loss in model.fit`, async () => {
        const { x, y } = dataset();
        const model = buildModel();
        model.compile({ optimizer: createTfjsOptimizer(name, { lr: LEARNING_RATES[name] }), loss: "binaryCrossentropy" });
        const history = await model.fit(x, y, { ...FIT, epochs: 30 });
        const loss = history.history.loss as number[];
        expect(loss[loss.length - 1]).toBeLessThan(0.8 * loss[0]);
        model.dispose();
        tf.dispose([x, y]);
      });
    }

    it("callback changes the learning rate during fit", async () => {
      const { x, y } = dataset();
      const model = buildModel();
      const optimizer = createTfjsOptimizer("adam", { lr: 0.02 });
      model.compile({ optimizer, loss: "binaryCrossentropy" });
      const snapshots: Float32Array[][] = [];
      const seen: number[] = [];
      await model.fit(x, y, {
        ...FIT,
        epochs: 4,
        callbacks: {
          onEpochBegin: async (epoch) => {
            // Epoch 2 through setLearningRate, epoch 3 through the core's group, as a schedule does.
            if (epoch === 2) optimizer.setLearningRate(0);
            if (epoch === 3) optimizer.core.paramGroups[0].lr = 0.01;
            seen.push(optimizer.learningRate);
            snapshots.push(weightsOf(model));
          },
        },
      });
      snapshots.push(weightsOf(model));
      expect(seen).toEqual([0.02, 0.02, 0, 0.01]);
      expect(snapshots[3]).toEqual(snapshots[2]);
      expect(snapshots[4]).not.toEqual(snapshots[3]);
      expect(snapshots[2]).not.toEqual(snapshots[1]);
      model.dispose();
      tf.dispose([x, y]);
    });

    it("core schedule drives the learning rate during fit", async () => {
      const { x, y } = dataset();
      const model = buildModel();
      const optimizer = createTfjsOptimizer("adamw", { lr: 0.02 });
      const schedule = new CosineAnnealingLR(optimizer.core, { tMax: 4 });
      model.compile({ optimizer, loss: "binaryCrossentropy" });
      const rates: number[] = [];
      await model.fit(x, y, {
        ...FIT,
        epochs: 4,
        callbacks: {
          onEpochEnd: async () => {
            schedule.step();
            rates.push(optimizer.learningRate);
          },
        },
      });
      const cosine = [1, 2, 3, 4].map((t) => 0.01 * (1 + Math.cos((Math.PI * t) / 4)));
      rates.forEach((rate, t) => expect(rate).toBeCloseTo(cosine[t], 12));
      model.dispose();
      tf.dispose([x, y]);
    });

    it("model saved with its optimizer resumes bit-identically", async () => {
      const { x, y } = dataset();
      const model = buildModel();
      model.compile({ optimizer: createTfjsOptimizer("nadam", { lr: 0.01, momentumDecay: 0.005 }), loss: "binaryCrossentropy" });
      await model.fit(x, y, { ...FIT, epochs: 3 });
      (model.optimizer as DescentOptimizer).setLearningRate(0.0070710678118654755);

      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (saved) => {
          // The bytes a file or IndexedDB would hold.
          artifacts = JSON.parse(JSON.stringify({ ...saved, weightData: undefined }));
          artifacts!.weightData = (saved.weightData as ArrayBuffer).slice(0);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
        }),
        { includeOptimizer: true },
      );
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
      const optimizer = loaded.optimizer as DescentOptimizer;
      expect(optimizer).toBeInstanceOf(DescentOptimizer);
      expect(optimizer.getConfig()).toEqual(model.optimizer.getConfig());
      expect(optimizer.iterations).toBe(model.optimizer.iterations);
      expect(optimizer.learningRate).toBe(0.0070710678118654755);

      await model.fit(x, y, { ...FIT, epochs: 2 });
      await loaded.fit(x, y, { ...FIT, epochs: 2 });
      expect(weightsOf(loaded)).toEqual(weightsOf(model));
      model.dispose();
      loaded.dispose();
      tf.dispose([x, y]);
    });

    it("leaks no tensors over 100 steps and getWeights", async () => {
      const w = tf.variable(tf.randomNormal([20, 5], 0, 1, "float32", 3));
      const b = tf.variable(tf.zeros([5]));
      const x = tf.randomNormal([8, 20], 0, 1, "float32", 4);
      const optimizer = createTfjsOptimizer("adabound", { lr: 0.01 });
      const loss = () => tf.tidy(() => tf.mean(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar);
      const counts: number[] = [];
      for (let step = 1; step <= 100; step++) {
        if (step % 2 === 0) optimizer.minimize(loss);
        else optimizer.minimize(loss, false, [w, b]);
        if (step === 5) counts.push(tf.memory().numTensors);
        if (step === 50) await optimizer.getWeights();
      }
      counts.push(tf.memory().numTensors);
      expect(counts[1]).toBe(counts[0]);
      tf.dispose([w, b, x]);
    });
  });
}
