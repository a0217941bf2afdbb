import * as tfl from "@tensorflow/tfjs-layers";

/**
 * The image classifiers that descent trains to compare optimizers. Each
 * takes a flat image of `rows × cols` pixel values scaled to [0, 1] and
 * returns 10 logits (no softmax: the loss applies it).
 */
export const MODEL_NAMES = ["mlp", "cnn", "logreg"] as const;

export type ModelName = (typeof MODEL_NAMES)[number];

/** Image size in pixels. */
export interface ImageShape {
  rows: number;
  cols: number;
}

const CLASSES = 10;

/**
 * Returns the name and weight initializers of one layer. Each layer gets its
 * own seed derived from the model's, so one seed always gives the same
 * weights. Kernels use Glorot-uniform, the Keras default; biases start at
 * zero.
 *
 * Fixed layer names make the variable names (`hidden/kernel`) the same in
 * every process, apart from the `_1`, `_2` suffix TF.js adds when a process
 * builds a second model, so a checkpoint's optimizer state finds its
 * variables again.
 */
function layer(name: string, seed: number, index: number) {
  return {
    name,
    kernelInitializer: tfl.initializers.glorotUniform({
      seed: seed * 97 + index,
    }),
    biasInitializer: tfl.initializers.zeros(),
  };
}

function logreg(shape: ImageShape, seed: number): tfl.Sequential {
  const model = tfl.sequential({ name: "logreg" });
  model.add(
    tfl.layers.dense({
      inputShape: [shape.rows * shape.cols],
      units: CLASSES,
      ...layer("logits", seed, 0),
    }),
  );
  return model;
}

function mlp(shape: ImageShape, seed: number): tfl.Sequential {
  const model = tfl.sequential({ name: "mlp" });
  model.add(
    tfl.layers.dense({
      inputShape: [shape.rows * shape.cols],
      units: 256,
      activation: "relu",
      ...layer("hidden", seed, 0),
    }),
  );
  model.add(tfl.layers.dense({ units: CLASSES, ...layer("logits", seed, 1) }));
  return model;
}

/**
 * Two 3×3 convolutions (16 and 32 channels), each followed by ReLU and 2×2
 * max pooling, then a dense layer to the 10 classes.
 */
function cnn(shape: ImageShape, seed: number): tfl.Sequential {
  const model = tfl.sequential({ name: "cnn" });
  model.add(
    tfl.layers.reshape({
      inputShape: [shape.rows * shape.cols],
      targetShape: [shape.rows, shape.cols, 1],
    }),
  );
  [16, 32].forEach((filters, i) => {
    model.add(
      tfl.layers.conv2d({
        filters,
        kernelSize: 3,
        activation: "relu",
        ...layer(`conv${i + 1}`, seed, i),
      }),
    );
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  });
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: CLASSES, ...layer("logits", seed, 2) }));
  return model;
}

const BUILDERS: Record<
  ModelName,
  (shape: ImageShape, seed: number) => tfl.Sequential
> = { logreg, mlp, cnn };

/**
 * Builds a model by name with weights drawn from `seed`.
 *
 * - `logreg`: multinomial logistic regression, pixels to 10 logits.
 * - `mlp`: one hidden layer of 256 ReLU units (784-256-10 on 28×28 images).
 * - `cnn`: a small convolutional network; see {@link cnn}.
 *
 * @throws Error if `name` is not a model name, or `seed` is not an integer.
 */
export function buildModel(
  name: ModelName,
  shape: ImageShape,
  seed: number,
): tfl.Sequential {
  const build = BUILDERS[name];
  if (build === undefined) {
    throw new Error(
      `Unknown model '${name}': choose one of ${MODEL_NAMES.join(", ")}.`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(
      `buildModel: seed must be an integer, got ${seed}. Try 0.`,
    );
  }
  return build(shape, seed);
}
