import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { beforeAll, describe, expect, it } from "vitest";

import { StateDictError, algorithmNames } from "../core/index.js";
import { TEST_BACKENDS, useBackend } from "../../test/helpers/tfjs-backend.js";
import { DescentOptimizer, type NamedTensor, createTfjsOptimizer } from "./index.js";

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Creates a variable whose storage no other tensor shares. */
function ownVariable(data: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(data)));
}

function gradsFor(pairs: Array<[tf.Variable, number[]]>): tf.NamedTensorMap {
  return Object.fromEntries(pairs.map(([v, g]) => [v.name, tf.tensor(g, v.shape)]));
}

describe("createTfjsOptimizer", () => {
  beforeAll(() => useBackend("cpu"));

  it("builds a tf.Optimizer for every algorithm name", () => {
    for (const name of algorithmNames) {
      const optimizer = createTfjsOptimizer(name, { lr: 0.01 });
      expect(optimizer, name).toBeInstanceOf(tf.Optimizer);
      expect(optimizer.getClassName()).toBe("DescentOptimizer");
      const v = ownVariable([1, 2]);
      optimizer.applyGradients(gradsFor([[v, [0.5, -0.5]]]));
      expect(values(v), name).not.toEqual([1, 2]);
    }
  });

  it("rejects an unknown name, listing the valid ones", () => {
    expect(() => createTfjsOptimizer("adamm")).toThrow(/unknown algorithm "adamm".*Valid names: sgd/);
  });

  it("rejects TF.js option names, naming descent's", () => {
    expect(() => createTfjsOptimizer("adam", { learningRate: 0.1 } as never)).toThrow(/Use lr instead/);
  });

  it("rejects a non-boolean directAccess", () => {
    expect(() => createTfjsOptimizer("adam", { directAccess: "yes" as never })).toThrow(
      /directAccess must be true or false, got "yes"/,
    );
  });
});

describe("DescentOptimizer.applyGradients", () => {
  beforeAll(() => useBackend("cpu"));

  it("rejects a name no variable has, before any change", () => {
    const v = ownVariable([1]);
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.1 });
    const grads = { [v.name]: tf.tensor([1]), nowhere: tf.tensor([1]) };
    expect(() => optimizer.applyGradients(grads)).toThrow(/no live tf.Variable is named "nowhere"/);
    expect(values(v)).toEqual([1]);
    expect(optimizer.iterations).toBe(0);
  });

  it("rejects a gradient of another shape", () => {
    const v = ownVariable([1, 2]);
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.1 });
    expect(() => optimizer.applyGradients({ [v.name]: tf.tensor([1, 2, 3]) })).toThrow(
      /has shape \[3\] but the variable has shape \[2\]/,
    );
  });

  it("rejects a disposed gradient", () => {
    const v = ownVariable([1]);
    const gradient = tf.tensor([1]);
    gradient.dispose();
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.1 });
    expect(() => optimizer.applyGradients({ [v.name]: gradient })).toThrow(/is disposed/);
    expect(values(v)).toEqual([1]);
  });

  it("rejects an entry that is not a named tensor", () => {
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.1 });
    expect(() => optimizer.applyGradients([null as never])).toThrow(
      /applyGradients: entry 0 must be \{ name, tensor \}, got null/,
    );
  });

  it("rejects a variable given twice", () => {
    const v = ownVariable([1]);
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.1 });
    const pair = { name: v.name, tensor: tf.tensor([1]) };
    expect(() => optimizer.applyGradients([pair, pair])).toThrow(/has two gradients/);
  });

  it("rejects an int32 variable", () => {
    const v = tf.variable(tf.tensor([1], [1], "int32"));
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.1 });
    expect(() => optimizer.applyGradients({ [v.name]: tf.tensor([1]) })).toThrow(/float32 variables only/);
  });

  it("rejects a non-finite gradient, leaving every variable as it was", () => {
    const a = ownVariable([1, 2]);
    const b = ownVariable([3]);
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
    expect(() => optimizer.applyGradients(gradsFor([[a, [1, 1]], [b, [NaN]]]))).toThrow(RangeError);
    expect(values(a)).toEqual([1, 2]);
    expect(values(b)).toEqual([3]);
    expect(optimizer.core.state.size).toBe(0);
  });

  it("skips a non-finite step with skipNonFinite", () => {
    const v = ownVariable([1]);
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1, skipNonFinite: true, onWarning: () => {} });
    optimizer.applyGradients(gradsFor([[v, [Infinity]]]));
    expect(values(v)).toEqual([1]);
    expect(optimizer.core.skippedSteps).toBe(1);
  });

  it("skips a null gradient", () => {
    const a = ownVariable([1]);
    const b = ownVariable([1]);
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.5 });
    optimizer.applyGradients({ [a.name]: tf.tensor([1]), [b.name]: null as unknown as tf.Tensor });
    expect(values(a)).toEqual([0.5]);
    expect(values(b)).toEqual([1]);
  });

  it("minimize works with and without a variable list", () => {
    const v = ownVariable([3]);
    const optimizer = createTfjsOptimizer("sgd", { lr: 0.25 });
    const loss = () => tf.sum(tf.square(v)) as tf.Scalar;
    optimizer.minimize(loss);
    expect(values(v)).toEqual([1.5]);
    optimizer.minimize(loss, false, [v]);
    expect(values(v)).toEqual([0.75]);
  });

  it("leaves a tensor that shares the variable's storage unchanged", () => {
    for (const direct of [true, false]) {
      const initial = tf.tensor([1, 2]);
      const v = tf.variable(initial);
      const flat = tf.reshape(v, [2, 1]);
      createTfjsOptimizer("sgd", { lr: 1, directAccess: direct }).applyGradients(gradsFor([[v, [1, 1]]]));
      expect(values(v)).toEqual([0, 1]);
      expect(values(initial)).toEqual([1, 2]);
      expect(values(flat)).toEqual([1, 2]);
    }
  });

  it("forgets a disposed variable and its state", async () => {
    const a = ownVariable([1]);
    const b = ownVariable([1]);
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
    optimizer.applyGradients(gradsFor([[a, [1]], [b, [1]]]));
    b.dispose();
    optimizer.applyGradients(gradsFor([[a, [1]]]));
    expect(optimizer.core.paramGroups[0].params.map((p) => p.name)).toEqual([a.name]);
    const names = (await optimizer.getWeights()).map((w) => w.name);
    expect(names).toEqual(["iter", "descent/state", `${a.name}/m`, `${a.name}/v`]);
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`storage access on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it("keeps no copy between updates", () => {
      const v = ownVariable([1, 2, 3]);
      const optimizer = createTfjsOptimizer("sgd", { lr: 1 });
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) optimizer.applyGradients(gradsFor([[v, [1, 1, 1]]]));
      expect(values(v)).toEqual([-2, -1, 0]);
      // The three gradients are the only new tensors.
      expect(tf.memory().numTensors).toBe(before + 3);
    });

    it("updates in place on the CPU backend only", () => {
      const v = ownVariable([1, 2]);
      const dataId = v.dataId;
      createTfjsOptimizer("sgd", { lr: 1 }).applyGradients(gradsFor([[v, [1, 1]]]));
      expect(v.dataId === dataId).toBe(backend === "cpu");
    });

    it("copies through assign without direct access", () => {
      const v = ownVariable([1, 2]);
      const dataId = v.dataId;
      createTfjsOptimizer("sgd", { lr: 1, directAccess: false }).applyGradients(gradsFor([[v, [1, 1]]]));
      expect(v.dataId).not.toBe(dataId);
      expect(values(v)).toEqual([0, 1]);
    });
  });
}

describe("DescentOptimizer learning rate", () => {
  it("reads and sets the core group's lr", () => {
    const optimizer = createTfjsOptimizer("adam", { lr: 0.01 });
    expect(optimizer.learningRate).toBe(0.01);
    optimizer.learningRate = 0.5;
    expect(optimizer.core.paramGroups[0].lr).toBe(0.5);
    optimizer.core.paramGroups[0].lr = 0.25;
    expect(optimizer.learningRate).toBe(0.25);
  });

  it("rejects a negative or non-finite lr", () => {
    const optimizer = createTfjsOptimizer("adam");
    expect(() => optimizer.setLearningRate(-1)).toThrow(/lr must be a finite number >= 0, got -1/);
    expect(() => optimizer.setLearningRate(NaN)).toThrow(RangeError);
    expect(optimizer.learningRate).toBe(1e-3);
  });
});

describe("DescentOptimizer config", () => {
  it("round-trips through the serialization registry", () => {
    const optimizer = createTfjsOptimizer("AdaBound", {
      lr: 0.002,
      betas: [0.8, 0.9],
      finalLr: 0.05,
      onWarning: () => {},
    });
    const config = optimizer.getConfig();
    expect(config).toEqual({
      algorithm: "adabound",
      options: { lr: 0.002, betas: [0.8, 0.9], finalLr: 0.05, directAccess: true },
    });
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap.DescentOptimizer;
    const rebuilt = fromConfig(cls, { ...config, customObjects: {} }) as DescentOptimizer;
    expect(rebuilt.getConfig()).toEqual(config);
    expect(rebuilt.core.paramGroups[0].finalLr).toBe(0.05);
  });

  it("fromConfig rejects a config without an algorithm", () => {
    expect(() => DescentOptimizer.fromConfig(DescentOptimizer, { options: {} })).toThrow(
      /expected \{ algorithm, options \}/,
    );
  });
});

describe("DescentOptimizer.setWeights", () => {
  beforeAll(() => useBackend("cpu"));

  async function trainedWeights(name = "adam", options = { lr: 0.1 }) {
    const v = ownVariable([1, 2]);
    const optimizer = createTfjsOptimizer(name, options);
    optimizer.applyGradients(gradsFor([[v, [1, -1]]]));
    return { v, weights: await optimizer.getWeights() };
  }

  it("resumes every algorithm bit-identically", async () => {
    for (const name of algorithmNames) {
      const grads = [[0.3, -2], [1.5, 0.25], [-0.7, 0.1], [2, -3]];
      const v = tf.tidy(() => tf.variable(tf.tensor([1, -1]), true, `resume_${name}`));
      const optimizer = createTfjsOptimizer(name, { lr: 0.01 });
      optimizer.applyGradients(gradsFor([[v, grads[0]]]));
      optimizer.setLearningRate(0.003333333333333333);
      optimizer.applyGradients(gradsFor([[v, grads[1]]]));

      // Loading a model beside the original gives its variables a suffix.
      const copy = tf.tidy(() => tf.variable(tf.tensor(values(v)), true, `resume_${name}_1`));
      const resumed = createTfjsOptimizer(name, { lr: 0.01 });
      await resumed.setWeights(await optimizer.getWeights());
      expect(resumed.iterations, name).toBe(2);
      expect(resumed.learningRate, name).toBe(0.003333333333333333);
      for (const g of grads.slice(2)) {
        optimizer.applyGradients(gradsFor([[v, g]]));
        resumed.applyGradients({ [copy.name]: tf.tensor(g) });
      }
      expect(values(copy), name).toEqual(values(v));
    }
  });

  it("matches a variable whose name gained a unique suffix", async () => {
    const v = tf.tidy(() => tf.variable(tf.tensor([1, 2]), true, "dense_Dense1/kernel"));
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
    optimizer.applyGradients(gradsFor([[v, [1, -1]]]));
    const twin = tf.tidy(() => tf.variable(tf.tensor(values(v)), true, "dense_Dense1/kernel_1"));
    const resumed = createTfjsOptimizer("adam", { lr: 0.1 });
    await resumed.setWeights(await optimizer.getWeights());
    optimizer.applyGradients(gradsFor([[v, [0.5, 0.5]]]));
    resumed.applyGradients(gradsFor([[twin, [0.5, 0.5]]]));
    expect(values(twin)).toEqual(values(v));
  });

  it("keeps loaded state for variables not seen yet when saved again", async () => {
    const { v, weights } = await trainedWeights();
    const middle = createTfjsOptimizer("adam", { lr: 0.1 });
    await middle.setWeights(weights);
    const again = await middle.getWeights();
    expect(again.map((w) => w.name)).toEqual(["iter", "descent/state", `${v.name}/m`, `${v.name}/v`]);
    expect(values(again[2].tensor)).toEqual(values(weights[2].tensor));
  });

  it("rejects weights of another algorithm", async () => {
    const { weights } = await trainedWeights("adam");
    await expect(createTfjsOptimizer("adamax").setWeights(weights)).rejects.toThrow(
      /saved by "adam" but this optimizer is "adamax"/,
    );
  });

  it("rejects tf.train weights", async () => {
    const v = ownVariable([1]);
    const train = tf.train.adam(0.1);
    train.applyGradients([{ name: v.name, tensor: tf.tensor([1]) }]);
    await expect(createTfjsOptimizer("adam").setWeights(await train.getWeights())).rejects.toThrow(StateDictError);
  });

  it("rejects a missing buffer", async () => {
    const { weights } = await trainedWeights();
    const error = createTfjsOptimizer("adam").setWeights(weights.slice(0, 3));
    await expect(error).rejects.toThrow(/the buffer ".*\/v" must be a float32 tensor of 2 elements, got no such tensor/);
  });

  it("rejects invalid saved options before changing anything", async () => {
    const { weights } = await trainedWeights();
    const saved = JSON.parse(weights[1].tensor.dataSync<"string">()[0] as string);
    saved.group.betas = [1.5, 0.9];
    const altered = [...weights];
    altered[1] = { name: "descent/state", tensor: tf.scalar(JSON.stringify(saved), "string") };
    const optimizer = createTfjsOptimizer("adam", { lr: 0.5 });
    await expect(optimizer.setWeights(altered)).rejects.toThrow(/saved options are invalid.*betas/);
    expect(optimizer.learningRate).toBe(0.5);
    expect(optimizer.core.paramGroups[0].betas).toEqual([0.9, 0.999]);
  });

  for (const [key, value] of [
    ["params", []],
    ["__proto__", { lr: 0.5 }],
  ] as const) {
    it(`rejects saved options with the key ${key}`, async () => {
      const { weights } = await trainedWeights();
      const text = weights[1].tensor.dataSync<"string">()[0] as string;
      const entry = JSON.stringify({ [key]: value }).slice(1, -1);
      const altered = [...weights];
      altered[1] = {
        name: "descent/state",
        tensor: tf.scalar(text.replace('"group":{', `"group":{${entry},`), "string"),
      };
      const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
      const v = ownVariable([1, 2]);
      optimizer.applyGradients(gradsFor([[v, [1, 1]]]));
      await expect(optimizer.setWeights(altered)).rejects.toThrow(StateDictError);
      await expect(optimizer.setWeights(altered)).rejects.toThrow(
        new RegExp(`the saved options hold the key "${key}", which is not an option`),
      );
      expect(optimizer.core.paramGroups[0].params).toHaveLength(1);
      expect(Object.getPrototypeOf(optimizer.core.paramGroups[0])).toBe(Object.prototype);
    });
  }

  it("rejects nadam state without muProduct before changing anything", async () => {
    const { weights } = await trainedWeights("nadam");
    const saved = JSON.parse(
      weights[1].tensor.dataSync<"string">()[0] as string,
    );
    saved.variables[0].scalars = {};
    const altered = [...weights];
    altered[1] = {
      name: "descent/state",
      tensor: tf.scalar(JSON.stringify(saved), "string"),
    };
    const optimizer = createTfjsOptimizer("nadam", { lr: 0.5 });
    await expect(optimizer.setWeights(altered)).rejects.toThrow(StateDictError);
    await expect(optimizer.setWeights(altered)).rejects.toThrow(
      /the state of variable ".*" has taken 1 step but is missing the scalar\(s\) muProduct that every later nadam step reads\. Pass the "descent\/state" weight getWeights\(\) returned, unchanged\.$/,
    );
    expect(optimizer.learningRate).toBe(0.5);
    expect(optimizer.iterations).toBe(0);
  });

  it("rejects an infinite saved scalar", async () => {
    const { weights } = await trainedWeights("nadam");
    const text = weights[1].tensor.dataSync<"string">()[0] as string;
    const altered = [...weights];
    altered[1] = {
      name: "descent/state",
      tensor: tf.scalar(
        text.replace(/"muProduct":[^,}]+/, '"muProduct":1e999'),
        "string",
      ),
    };
    await expect(
      createTfjsOptimizer("nadam").setWeights(altered),
    ).rejects.toThrow(
      /the state of variable ".*" must have .* finite numeric scalars/,
    );
  });

  it("rejects saved adabound options without lrAtConstruction", async () => {
    const { weights } = await trainedWeights("adabound");
    const saved = JSON.parse(
      weights[1].tensor.dataSync<"string">()[0] as string,
    );
    delete saved.group.lrAtConstruction;
    const altered = [...weights];
    altered[1] = {
      name: "descent/state",
      tensor: tf.scalar(JSON.stringify(saved), "string"),
    };
    const optimizer = createTfjsOptimizer("adabound", { lr: 0.5 });
    await expect(optimizer.setWeights(altered)).rejects.toThrow(
      /saved options are invalid: AdaBound group 0: lrAtConstruction is missing/,
    );
    expect(optimizer.core.paramGroups[0].lrAtConstruction).toBe(0.5);
  });

  it("rejects a buffer named __proto__", async () => {
    const { weights } = await trainedWeights();
    const saved = JSON.parse(weights[1].tensor.dataSync<"string">()[0] as string);
    saved.variables[0].buffers.push("__proto__");
    const altered = [...weights, { name: `${saved.variables[0].name}/__proto__`, tensor: tf.zeros([2]) }];
    altered[1] = { name: "descent/state", tensor: tf.scalar(JSON.stringify(saved), "string") };
    await expect(createTfjsOptimizer("adam").setWeights(altered)).rejects.toThrow(
      /the state of variable ".*" must have .* a list of buffers/,
    );
  });

  /** Returns `weights` with "descent/state" replaced by the JSON of `edit(saved)`. */
  function withSavedState(weights: NamedTensor[], edit: (saved: any) => void): NamedTensor[] {
    const saved = JSON.parse(weights[1].tensor.dataSync<"string">()[0] as string);
    edit(saved);
    const altered = [...weights];
    altered[1] = { name: "descent/state", tensor: tf.scalar(JSON.stringify(saved), "string") };
    return altered;
  }

  it("rejects buffers of a variable the state does not list", async () => {
    const { v, weights } = await trainedWeights();
    const altered = withSavedState(weights, (saved) => (saved.variables = []));
    const optimizer = createTfjsOptimizer("adam", { lr: 0.5 });
    await expect(optimizer.setWeights(altered)).rejects.toThrow(StateDictError);
    await expect(optimizer.setWeights(altered)).rejects.toThrow(
      new RegExp(
        `the weights \\["${v.name}/m", "${v.name}/v"\\] belong to no variable that "descent/state" lists ` +
          `\\(it lists \\[\\]\\)\\. Pass the weights of one getWeights\\(\\) call together, unchanged\\.$`,
      ),
    );
    expect(optimizer.learningRate).toBe(0.5);
  });

  it("rejects a weight given twice", async () => {
    const { v, weights } = await trainedWeights();
    await expect(createTfjsOptimizer("adam").setWeights([...weights, weights[2]])).rejects.toThrow(
      new RegExp(`the weight "${v.name}/m" appears twice`),
    );
  });

  it("rejects counts beyond 2^53 - 1", async () => {
    const { weights } = await trainedWeights();
    const step = withSavedState(weights, (saved) => (saved.variables[0].step = 1e300));
    await expect(createTfjsOptimizer("adam").setWeights(step)).rejects.toThrow(
      /the state of variable ".*" has step 1e\+300, not an integer in \[0, 9007199254740991\]\. Save the optimizer again\.$/,
    );
    const iterations = withSavedState(weights, (saved) => (saved.iterations = 2 ** 53));
    await expect(createTfjsOptimizer("adam").setWeights(iterations)).rejects.toThrow(
      /iterations and skippedSteps must be integers in \[0, 9007199254740991\], got \[9007199254740992, 0\]/,
    );
  });

  it("rejects a nadam muProduct outside [0, 1) before changing anything", async () => {
    const { weights } = await trainedWeights("nadam");
    const altered = withSavedState(weights, (saved) => (saved.variables[0].scalars.muProduct = 1.5));
    const optimizer = createTfjsOptimizer("nadam", { lr: 0.5 });
    await expect(optimizer.setWeights(altered)).rejects.toThrow(StateDictError);
    await expect(optimizer.setWeights(altered)).rejects.toThrow(
      /the state of variable ".*" has taken 1 step but its scalar "muProduct" is 1\.5, and every later nadam step reads it as a number in \[0, 1\)\./,
    );
    expect(optimizer.learningRate).toBe(0.5);
  });

  it("rejects a suffix match of another shape", async () => {
    const v = tf.tidy(() => tf.variable(tf.tensor([1, 2]), true, "suffix_Dense1/kernel"));
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
    optimizer.applyGradients(gradsFor([[v, [1, -1]]]));
    const weights = await optimizer.getWeights();
    const wider = tf.tidy(() => tf.variable(tf.tensor([1, 2, 3]), true, "suffix_Dense1/kernel_1"));
    const resumed = createTfjsOptimizer("adam", { lr: 0.1 });
    await resumed.setWeights(weights);
    const update = () => resumed.applyGradients(gradsFor([[wider, [1, 1, 1]]]));
    expect(update).toThrow(StateDictError);
    expect(update).toThrow(
      /the loaded state of "suffix_Dense1\/kernel" has shape \[2\] but the variable "suffix_Dense1\/kernel_1", which matches that name without its _<n> suffix, has shape \[3\]\. Load the state into the model it was saved with\.$/,
    );
    expect(values(wider)).toEqual([1, 2, 3]);
    expect(resumed.iterations).toBe(1);

    const live = createTfjsOptimizer("adam", { lr: 0.5 });
    live.applyGradients(gradsFor([[wider, [1, 1, 1]]]));
    const before = await live.getWeights();
    const m = values(before[2].tensor);
    await expect(live.setWeights(weights)).rejects.toThrow(/has shape \[2\] but the variable "suffix_Dense1\/kernel_1"/);
    expect(live.learningRate).toBe(0.5);
    expect(values((await live.getWeights())[2].tensor)).toEqual(m);
  });

  it("warns once about unmatched loaded state", async () => {
    const { weights } = await trainedWeights();
    const warnings: string[] = [];
    const resumed = createTfjsOptimizer("adam", { lr: 0.1, onWarning: (message) => warnings.push(message) });
    await resumed.setWeights(weights);
    const renamed = ownVariable([1, 2]);
    resumed.applyGradients(gradsFor([[renamed, [1, 1]]]));
    resumed.applyGradients(gradsFor([[ownVariable([3]), [1]]]));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^DescentOptimizer\\.applyGradients: \\["${renamed.name}"\\] found no loaded state and start afresh, ` +
          `while the loaded state of \\[".*"\\] matches no variable updated so far\\.`,
      ),
    );
    expect(resumed.core.state.get(resumed.core.paramGroups[0].params[0])?.step).toBe(1);
  });

  it("starts an unsaved variable afresh, silently", async () => {
    const v = ownVariable([1, 2]);
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
    optimizer.applyGradients(gradsFor([[v, [1, -1]]]));
    const weights = await optimizer.getWeights();
    const warnings: string[] = [];
    const resumed = createTfjsOptimizer("adam", { lr: 0.1, onWarning: (message) => warnings.push(message) });
    await resumed.setWeights(weights);
    const head = ownVariable([5]);
    resumed.applyGradients(gradsFor([[v, [1, 1]], [head, [1]]]));
    const steps = resumed.core.paramGroups[0].params.map((p) => resumed.core.state.get(p)?.step);
    expect(steps).toEqual([2, 1]);
    expect(warnings).toEqual([]);
  });

  it("rejects state for a live variable of another shape", async () => {
    const { v, weights } = await trainedWeights();
    const saved = JSON.parse(weights[1].tensor.dataSync<"string">()[0] as string);
    const other = ownVariable([1, 2, 3]);
    saved.variables[0].name = other.name;
    saved.variables[0].shape = [2];
    const altered = weights.map((w) => ({ ...w, name: w.name.replace(v.name, other.name) }));
    altered[1] = { name: "descent/state", tensor: tf.scalar(JSON.stringify(saved), "string") };
    const optimizer = createTfjsOptimizer("adam", { lr: 0.1 });
    optimizer.applyGradients(gradsFor([[other, [1, 1, 1]]]));
    await expect(optimizer.setWeights(altered)).rejects.toThrow(/has shape \[2\] but the variable .* has shape \[3\]/);
    expect(optimizer.iterations).toBe(1);
  });
});
