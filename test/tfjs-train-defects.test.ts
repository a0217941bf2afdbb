/**
 * Where TF.js's own optimizers (tf.train, @tensorflow/tfjs-core 4.22) give
 * other numbers or behaviour than PyTorch 1.13, each test shows what the
 * descent optimizer does instead, and what tf.train does.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";

import { Parameter, createOptimizer } from "../src/core/index.js";
import { createTfjsOptimizer } from "../src/tfjs/index.js";
import { closeTo, loadReference, type OptimizerFile } from "./helpers/reference.js";
import { TEST_BACKENDS, useBackend } from "./helpers/tfjs-backend.js";

/** float32 rounding of a few steps, relative to max(1, |expected|). */
const TOLERANCE_FLOAT32 = 1e-5;

function values(v: tf.Tensor): number[] {
  return Array.from(v.dataSync());
}

function caseNamed(family: string, name: string) {
  const found = loadReference<OptimizerFile>(`${family}.json`).cases.find((c) => c.name === name);
  if (!found) throw new Error(`reference case ${name} not found in ${family}.json`);
  return found;
}

function expectClose(actual: number[], expected: number[], label: string): void {
  expected.forEach((e, j) => {
    expect(closeTo(actual[j], e, TOLERANCE_FLOAT32), `${label}[${j}]: got ${actual[j]}, expected ${e}`).toBe(true);
  });
}

for (const backend of TEST_BACKENDS) {
  describe(`tf.train defects on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it("Adadelta's first step is not plain SGD", () => {
      // tf.train.adadelta divides by the squared-gradient average before this
      // step's update (still 0), so its first step is θ − lr·g. PyTorch
      // divides by the updated average.
      const c = caseNamed("adadelta", "adadelta_lr");
      const { lr, rho, eps } = c.options as { lr: number; rho: number; eps: number };
      const theta = c.params[0].data;
      const grad = c.grads[0][0];

      const ours = tf.variable(tf.tensor(theta));
      createTfjsOptimizer("adadelta", c.options).applyGradients({ [ours.name]: tf.tensor(grad) });
      expectClose(values(ours), c.expected[0][0], "descent");

      const theirs = tf.variable(tf.tensor(theta));
      tf.train.adadelta(lr, rho, eps).applyGradients([{ name: theirs.name, tensor: tf.tensor(grad) }]);
      expectClose(values(theirs), theta.map((x, j) => x - lr * grad[j]), "tf.train");
      expect(closeTo(values(theirs)[0], c.expected[0][0][0], 1e-2)).toBe(false);
    });

    it("centered RMSprop stays finite on small constant gradients", () => {
      // tf.train.rmsprop takes √(v − (ḡ² + ε)); with g = 1e-4 the variance
      // term v − ḡ² is below ε, so the root is NaN. PyTorch takes √(v − ḡ²) + ε.
      const [lr, alpha, eps, g] = [0.01, 0.9, 1e-8, 1e-4];
      let [theta, v, mean] = [1, 0, 0];
      const expected: number[] = [];
      for (let t = 0; t < 3; t++) {
        v = alpha * v + (1 - alpha) * g * g;
        mean = alpha * mean + (1 - alpha) * g;
        theta -= (lr * g) / (Math.sqrt(v - mean * mean) + eps);
        expected.push(theta);
      }

      const ours = tf.variable(tf.tensor([1]));
      const descent = createTfjsOptimizer("rmsprop", { lr, alpha, eps, centered: true });
      const theirs = tf.variable(tf.tensor([1]));
      const train = tf.train.rmsprop(lr, alpha, 0, eps, true);
      for (let t = 0; t < 3; t++) {
        descent.applyGradients({ [ours.name]: tf.tensor([g]) });
        expectClose(values(ours), [expected[t]], `descent step ${t + 1}`);
        train.applyGradients({ [theirs.name]: tf.tensor([g]) });
      }
      expect(values(theirs)[0]).toBeNaN();
    });

    it("Adamax saves and resumes its state", async () => {
      await expect(tf.train.adamax(0.01).getWeights()).rejects.toThrow(/not implemented/);
      await expect(tf.train.adamax(0.01).setWeights([])).rejects.toThrow(/not implemented/);

      // Stop after 10 steps, move the state into a new optimizer, continue to 30.
      const c = caseNamed("adamax", "adamax_betas");
      let variables = c.params.map((p) => tf.variable(tf.tensor(p.data, p.shape)));
      let optimizer = createTfjsOptimizer("adamax", c.options);
      const params = c.params.map((p) => new Parameter(new Float32Array(p.data), { shape: p.shape }));
      const core = createOptimizer("adamax", params, c.options);
      for (let k = 0; k < c.steps; k++) {
        if (k === 10) {
          const weights = await optimizer.getWeights();
          const resumed = createTfjsOptimizer("adamax", c.options);
          await resumed.setWeights(weights);
          optimizer.dispose();
          optimizer = resumed;
        }
        optimizer.applyGradients(
          Object.fromEntries(variables.map((v, i) => [v.name, tf.tensor(c.grads[k][i], c.params[i].shape)])),
        );
        params.forEach((p, i) => p.grad!.set(c.grads[k][i]));
        core.step();
      }
      variables.forEach((v, i) => {
        expect(values(v), `tensor ${i}`).toEqual(Array.from(params[i].data));
        expectClose(values(v), c.expected[c.steps - 1][i], `tensor ${i}`);
      });
      tf.dispose(variables);
      variables = [];
    });

    it("Adagrad uses the caller's eps", () => {
      // tf.train.adagrad(lr, initialAccumulatorValue) takes no epsilon: it
      // always adds the backend's epsilon (1e-7) under the root. PyTorch adds
      // eps to the root, so a large eps damps the first steps.
      const [lr, eps, g] = [0.1, 0.5, 0.01];
      const ours = tf.variable(tf.tensor([1]));
      createTfjsOptimizer("adagrad", { lr, eps }).applyGradients({ [ours.name]: tf.tensor([g]) });
      expectClose(values(ours), [1 - (lr * g) / (Math.sqrt(g * g) + eps)], "descent");

      const theirs = tf.variable(tf.tensor([1]));
      const train = tf.train.adagrad(lr, 1e-30);
      train.applyGradients([{ name: theirs.name, tensor: tf.tensor([g]) }]);
      expect(Object.keys(train.getConfig())).not.toContain("epsilon");
      expectClose(values(theirs), [1 - (lr * g) / Math.sqrt(g * g + 1e-30 + 1e-7)], "tf.train");
    });

    it("state follows the variable, not its position", () => {
      // tf.train keeps its moments in a list indexed by position in the
      // call, so passing the same variables in another order mixes them up.
      const grads = { a: [1, -2], b: [-30, 40] };
      const run = (optimizer: tf.Optimizer, swap: boolean) => {
        const a = tf.variable(tf.tensor([0.5, 0.5]));
        const b = tf.variable(tf.tensor([0.5, 0.5]));
        for (let t = 0; t < 4; t++) {
          const pairs = [
            { name: a.name, tensor: tf.tensor(grads.a) },
            { name: b.name, tensor: tf.tensor(grads.b) },
          ];
          optimizer.applyGradients(swap && t % 2 === 1 ? pairs.reverse() : pairs);
        }
        return [values(a), values(b)];
      };

      const pa = new Parameter(new Float32Array([0.5, 0.5]));
      const pb = new Parameter(new Float32Array([0.5, 0.5]));
      const core = createOptimizer("adam", [pa, pb], { lr: 0.1 });
      for (let t = 0; t < 4; t++) {
        pa.grad!.set(grads.a);
        pb.grad!.set(grads.b);
        core.step();
      }
      const [a, b] = run(createTfjsOptimizer("adam", { lr: 0.1 }), true);
      expect(a).toEqual(Array.from(pa.data));
      expect(b).toEqual(Array.from(pb.data));

      const [trainA] = run(tf.train.adam(0.1), true);
      const [steadyA] = run(tf.train.adam(0.1), false);
      expect(trainA).not.toEqual(steadyA);
    });

    it("variable absent from a call is not stepped", () => {
      // In tf.train the absent variable's slot goes to whichever variable
      // takes its position; descent leaves its state as it is.
      const a = tf.variable(tf.tensor([1, 1]));
      const b = tf.variable(tf.tensor([1, 1]));
      const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
      const pa = new Parameter(new Float32Array([1, 1]));
      const pb = new Parameter(new Float32Array([1, 1]));
      const core = createOptimizer("adam", [pa, pb], { lr: 0.1 });
      const both = () => [
        { name: a.name, tensor: tf.tensor([0.3, -0.1]) },
        { name: b.name, tensor: tf.tensor([2, 5]) },
      ];
      optimizer.applyGradients(both());
      optimizer.applyGradients([{ name: b.name, tensor: tf.tensor([-1, 4]) }]);
      optimizer.applyGradients(both());

      pa.grad!.set([0.3, -0.1]);
      pb.grad!.set([2, 5]);
      core.step();
      const saved = pa.grad;
      pa.grad = null;
      pb.grad!.set([-1, 4]);
      core.step();
      pa.grad = saved;
      pa.grad!.set([0.3, -0.1]);
      pb.grad!.set([2, 5]);
      core.step();

      expect(values(a)).toEqual(Array.from(pa.data));
      expect(values(b)).toEqual(Array.from(pb.data));

      const trainB = tf.variable(tf.tensor([1, 1]));
      const train = tf.train.adam(0.1);
      train.applyGradients([
        { name: tf.variable(tf.tensor([1, 1])).name, tensor: tf.tensor([0.3, -0.1]) },
        { name: trainB.name, tensor: tf.tensor([2, 5]) },
      ]);
      train.applyGradients([{ name: trainB.name, tensor: tf.tensor([-1, 4]) }]);
      const coreAfterTwo = new Parameter(new Float32Array([1, 1]));
      const reference = createOptimizer("adam", [coreAfterTwo], { lr: 0.1 });
      for (const g of [[2, 5], [-1, 4]]) {
        coreAfterTwo.grad!.set(g);
        reference.step();
      }
      expect(values(trainB)).not.toEqual(Array.from(coreAfterTwo.data));

      const stepsOfA = optimizer.core.state.get(optimizer.core.paramGroups[0].params[0])?.step;
      expect(stepsOfA).toBe(2);
    });

    it("saving a model with its optimizer leaks no tensor", async () => {
      // tf.train's getWeights makes a new `iter` scalar on each call and the
      // model's save() never disposes it: one tensor lost per save.
      const countAfterSaves = async (optimizer: tf.Optimizer) => {
        const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
        model.compile({ optimizer, loss: "meanSquaredError" });
        const x = tf.tensor([[1, 2], [3, 4]]);
        const y = tf.tensor([[1], [2]]);
        await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
        const handler = tf.io.withSaveHandler(async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }));
        const counts = [tf.memory().numTensors];
        for (let i = 0; i < 3; i++) {
          await model.save(handler, { includeOptimizer: true });
          counts.push(tf.memory().numTensors);
        }
        await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
        counts.push(tf.memory().numTensors);
        model.dispose();
        tf.dispose([x, y]);
        return counts;
      };

      // descent lends the saved tensors until its next update, then disposes them.
      const [before, ...ours] = await countAfterSaves(createTfjsOptimizer("adam", { lr: 0.01 }));
      expect(ours[1]).toBe(ours[0]);
      expect(ours[2]).toBe(ours[0]);
      expect(ours[3]).toBe(before);

      const [trainBefore, ...theirs] = await countAfterSaves(tf.train.adam(0.01));
      expect(theirs[0]).toBe(trainBefore + 1);
      expect(theirs[2]).toBe(trainBefore + 3);
      expect(theirs[3]).toBe(trainBefore + 3);
    });
  });
}
