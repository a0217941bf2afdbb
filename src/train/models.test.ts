import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { setupBackend } from "./backend.js";
import { MODEL_NAMES, buildModel } from "./models.js";

const MNIST = { rows: 28, cols: 28 };

beforeAll(async () => {
  await setupBackend("wasm");
});

function weightsOf(model: ReturnType<typeof buildModel>): number[][] {
  const values = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
}

describe("buildModel", () => {
  for (const name of MODEL_NAMES) {
    it(`${name}: same seed, same weights`, () => {
      expect(weightsOf(buildModel(name, MNIST, 11))).toEqual(
        weightsOf(buildModel(name, MNIST, 11)),
      );
    });

    it(`${name}: other seed, other weights`, () => {
      const [first] = weightsOf(buildModel(name, MNIST, 11));
      const [second] = weightsOf(buildModel(name, MNIST, 12));
      expect(second).not.toEqual(first);
    });

    it(`${name}: 10 logits per image`, () => {
      const model = buildModel(name, MNIST, 0);
      const logits = tf.tidy(() => model.predict(tf.zeros([3, 784])) as tf.Tensor);
      expect(logits.shape).toEqual([3, 10]);
      logits.dispose();
      model.dispose();
    });
  }

  it("builds the mlp as 784-256-10", () => {
    const model = buildModel("mlp", MNIST, 0);
    expect(model.weights.map((w) => w.shape)).toEqual([[784, 256], [256], [256, 10], [10]]);
    model.dispose();
  });

  it("builds logreg as 784-10", () => {
    const model = buildModel("logreg", MNIST, 0);
    expect(model.countParams()).toBe(7850);
    model.dispose();
  });

  it("rejects an unknown model", () => {
    expect(() => buildModel("vgg" as never, MNIST, 0)).toThrow(
      "Unknown model 'vgg': choose one of mlp, cnn, logreg.",
    );
  });

  it("rejects a fractional seed", () => {
    expect(() => buildModel("mlp", MNIST, 1.5)).toThrow(/seed must be an integer, got 1.5/);
  });
});
