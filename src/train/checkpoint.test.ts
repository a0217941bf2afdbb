import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { RESUME_TEST_CONFIG } from "../../test/fixtures/train-config.js";
import { setupBackend } from "./backend.js";
import {
  CHECKPOINT_FILE,
  type Checkpoint,
  loadCheckpoint,
  readNamedArrays,
  saveCheckpoint,
  toNamedArrays,
} from "./checkpoint.js";
import { type MnistDataset, loadFashionMnist } from "./idx.js";
import {
  type EpochMetrics,
  type RunConfig,
  type RunResult,
  runTraining,
} from "./run.js";
import { createTfjsOptimizer } from "../tfjs/index.js";

const CHILD = fileURLToPath(
  new URL("../../test/fixtures/train-child.ts", import.meta.url),
);

let dir: string;
let data: MnistDataset;

beforeAll(async () => {
  await setupBackend("wasm");
  data = loadFashionMnist();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "descent-checkpoint-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Epoch metrics without the wall-clock time, which no two runs share. */
function withoutTime(epochs: EpochMetrics[]) {
  return epochs.map(({ seconds: _seconds, ...rest }) => rest);
}

function startChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
}

function exitOf(child: ChildProcess): Promise<number | string | null> {
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal));
  });
}

/** Calls `onLine` for each line the child prints until it exits. */
function watchLines(child: ChildProcess, onLine: (line: string) => void) {
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    lines.forEach(onLine);
  });
}

function sampleCheckpoint(): Checkpoint {
  const weights = [
    { name: "hidden/kernel", tensor: tf.tensor2d([1.5, -2, 3e-8, 0], [2, 2]) },
    { name: "iter", tensor: tf.scalar(12, "int32") },
    { name: "descent/state", tensor: tf.scalar('{"a":1}', "string") },
  ];
  const arrays = toNamedArrays(weights);
  tf.dispose(weights.map((w) => w.tensor));
  return {
    config: RESUME_TEST_CONFIG,
    dataFingerprint: "640+200:abc",
    epoch: 1,
    randomState: 123456789,
    epochs: [
      {
        optimizer: "adam",
        epoch: 1,
        trainLoss: 1.5,
        testLoss: 1.25,
        testAccuracy: 0.5,
        seconds: 2,
      },
    ],
    stepLosses: [2.5, 0.1 + 0.2],
    modelWeights: arrays.slice(0, 1),
    optimizerWeights: arrays.slice(1),
  };
}

describe("resume after a kill", () => {
  it("matches an uninterrupted run", async () => {
    const reference = await runTraining(RESUME_TEST_CONFIG, data);
    const checkpointDir = join(dir, "run");
    const firstOutput = join(dir, "first.json");
    const secondOutput = join(dir, "second.json");

    // Let the run pass two epochs, then kill it during the third.
    const first = startChild([checkpointDir, firstOutput, "--gate"]);
    const stepsPerEpoch = RESUME_TEST_CONFIG.trainLimit! / 32;
    const killAt = `step ${2 * stepsPerEpoch + 5}`;
    watchLines(first, (line) => {
      if (line === "epoch 1" || line === "epoch 2") first.stdin!.write("go\n");
      if (line === killAt) first.kill("SIGKILL");
    });
    expect(await exitOf(first)).toBe("SIGKILL");
    expect(existsSync(firstOutput)).toBe(false);

    const second = startChild([checkpointDir, secondOutput, "--resume"]);
    second.stdout!.resume();
    expect(await exitOf(second)).toBe(0);
    const resumed = JSON.parse(readFileSync(secondOutput, "utf8")) as RunResult;

    expect(resumed.resumedEpochs).toBeGreaterThanOrEqual(2);
    expect(resumed.resumedEpochs).toBeLessThan(4);
    expect(withoutTime(resumed.epochs)).toEqual(withoutTime(reference.epochs));
    expect(resumed.stepLosses).toEqual(reference.stepLosses);
  });

  it("continues in process with more epochs", async () => {
    const short = { ...RESUME_TEST_CONFIG, epochs: 2 };
    const options = { checkpointDir: dir, resume: true };
    const partial = await runTraining(short, data, options);
    const restored: EpochMetrics[][] = [];
    const full = await runTraining(RESUME_TEST_CONFIG, data, {
      ...options,
      onResume: (epochs) => restored.push(epochs),
    });
    const reference = await runTraining(RESUME_TEST_CONFIG, data);

    expect(partial.epochs).toHaveLength(2);
    expect(restored).toHaveLength(1);
    expect(full.resumedEpochs).toBe(2);
    expect(withoutTime(full.epochs)).toEqual(withoutTime(reference.epochs));
    expect(full.stepLosses).toEqual(reference.stepLosses);
  });
});

describe("saveCheckpoint and loadCheckpoint", () => {
  it("round-trip tensors bit for bit", () => {
    const checkpoint = sampleCheckpoint();
    saveCheckpoint(dir, checkpoint);
    const loaded = loadCheckpoint(dir, RESUME_TEST_CONFIG, "640+200:abc")!;

    const [kernel] = readNamedArrays(loaded.modelWeights);
    const [iter, state] = readNamedArrays(loaded.optimizerWeights);
    expect(Array.from(kernel.tensor.dataSync())).toEqual([1.5, -2, Math.fround(3e-8), 0]);
    expect(kernel.tensor.shape).toEqual([2, 2]);
    expect(iter.tensor.dtype).toBe("int32");
    expect(iter.tensor.dataSync()[0]).toBe(12);
    expect(state.tensor.dataSync()[0]).toBe('{"a":1}');
    expect(loaded.stepLosses).toEqual([2.5, 0.1 + 0.2]);
    expect(loaded.randomState).toBe(123456789);
    tf.dispose([kernel.tensor, iter.tensor, state.tensor]);
  });

  it("leaves no temporary file behind", () => {
    saveCheckpoint(dir, sampleCheckpoint());
    saveCheckpoint(dir, sampleCheckpoint());
    expect(readdirSync(dir)).toEqual([CHECKPOINT_FILE]);
  });

  it("ignores a temporary file a crash left", () => {
    saveCheckpoint(dir, sampleCheckpoint());
    writeFileSync(join(dir, `${CHECKPOINT_FILE}.999.tmp`), '{"format":');
    const loaded = loadCheckpoint(dir, RESUME_TEST_CONFIG, "640+200:abc");
    expect(loaded?.epoch).toBe(1);
  });

  it("returns undefined for an empty folder", () => {
    expect(loadCheckpoint(dir, RESUME_TEST_CONFIG, "x")).toBeUndefined();
  });

  it("accepts a config that differs in epochs only", () => {
    saveCheckpoint(dir, sampleCheckpoint());
    const longer = { ...RESUME_TEST_CONFIG, epochs: 40 };
    expect(loadCheckpoint(dir, longer, "640+200:abc")?.epoch).toBe(1);
  });

  it("rejects a checkpoint of other settings, naming each", () => {
    saveCheckpoint(dir, sampleCheckpoint());
    const other = {
      ...RESUME_TEST_CONFIG,
      seed: 8,
      optimizerOptions: { lr: 0.5, weightDecay: 0.1 },
    };
    expect(() => loadCheckpoint(dir, other, "640+200:abc")).toThrow(
      /checkpoint\.json belongs to a run with other settings: seed is 7 in the checkpoint but 8 here; optimizerOptions\.lr is 0\.01 in the checkpoint but 0\.5 here; optimizerOptions\.weightDecay is unset in the checkpoint but 0\.1 here\. Resume with the checkpoint's settings, or choose another folder\.$/,
    );
  });

  it("rejects a checkpoint of other data", () => {
    saveCheckpoint(dir, sampleCheckpoint());
    expect(() => loadCheckpoint(dir, RESUME_TEST_CONFIG, "600+100:def")).toThrow(
      /other data/,
    );
  });

  it("rejects a file that is not a checkpoint", () => {
    writeFileSync(join(dir, CHECKPOINT_FILE), '{"hello":1}');
    expect(() => loadCheckpoint(dir, RESUME_TEST_CONFIG, "x")).toThrow(
      /not a descent checkpoint/,
    );
  });

  it("rejects a file that holds JSON null", () => {
    writeFileSync(join(dir, CHECKPOINT_FILE), "null");
    expect(() => loadCheckpoint(dir, RESUME_TEST_CONFIG, "x")).toThrow(
      /not a descent checkpoint/,
    );
  });

  it("rejects a file that is not JSON", () => {
    writeFileSync(join(dir, CHECKPOINT_FILE), "{");
    expect(() => loadCheckpoint(dir, RESUME_TEST_CONFIG, "x")).toThrow(
      /not valid JSON.*Delete the file/,
    );
  });

  const corrupt: Array<[string, (file: Record<string, unknown>) => void, RegExp]> = [
    ["a null config", (file) => (file.config = null), /config is null, not an object/],
    [
      "an epoch count that disagrees with the epochs",
      (file) => (file.epochs = []),
      /epoch is 1 but epochs lists 0 epochs/,
    ],
    ["a negative epoch", (file) => (file.epoch = -1), /epoch is -1 but epochs lists 1 epoch/],
    [
      "a string randomState",
      (file) => (file.randomState = "x"),
      /randomState must be an integer in \[0, 2\^32\), got "x"/,
    ],
    ["null stepLosses", (file) => (file.stepLosses = null), /stepLosses must be an array of numbers/],
    ["null modelWeights", (file) => (file.modelWeights = null), /modelWeights must be an array of named tensors/],
    [
      "a string shape",
      (file) => ((file.modelWeights as Array<Record<string, unknown>>)[0].shape = "2,2"),
      /modelWeights\[0\] must be \{ name, shape, dtype, base64 \| strings \}/,
    ],
    [
      "an unknown dtype",
      (file) => ((file.optimizerWeights as Array<Record<string, unknown>>)[0].dtype = "float64"),
      /optimizerWeights\[0\] must be \{ name, shape, dtype, base64 \| strings \}/,
    ],
  ];
  for (const [label, mangle, message] of corrupt) {
    it(`rejects a checkpoint with ${label}`, () => {
      saveCheckpoint(dir, sampleCheckpoint());
      const path = join(dir, CHECKPOINT_FILE);
      const file = JSON.parse(readFileSync(path, "utf8"));
      mangle(file);
      writeFileSync(path, JSON.stringify(file));
      expect(() => loadCheckpoint(dir, RESUME_TEST_CONFIG, "640+200:abc")).toThrow(message);
      expect(() => loadCheckpoint(dir, RESUME_TEST_CONFIG, "640+200:abc")).toThrow(
        /The checkpoint is corrupt: delete it to start afresh\.$/,
      );
    });
  }

  it("rejects float32 bytes that are not a whole number of values", () => {
    const base64 = Buffer.alloc(41).toString("base64");
    expect(() => readNamedArrays([{ name: "w", shape: [10], dtype: "float32", base64 }])).toThrow(
      /'w' holds 41 bytes, not a whole number of float32 values\. The checkpoint is corrupt/,
    );
  });

  it("rejects a tensor of wrong size", () => {
    const [array] = toNamedArrays([{ name: "w", tensor: tf.zeros([3]) }]);
    expect(() => readNamedArrays([{ ...array, shape: [4] }])).toThrow(
      /'w' has 3 values but shape \[4\] needs 4/,
    );
  });
});

describe("resume from a checkpoint that does not fit", () => {
  // NAdam keeps a scalar per variable, and the schedule keeps state too.
  const config: RunConfig = {
    ...RESUME_TEST_CONFIG,
    optimizer: "nadam",
    epochs: 2,
    trainLimit: 64,
    testLimit: 50,
    schedule: { name: "cosine", warmup: 0 },
  };
  let template: string;

  beforeAll(async () => {
    const templateDir = mkdtempSync(join(tmpdir(), "descent-template-"));
    // Stops the run after its first checkpoint, as a kill would.
    const stop = new Error("stop after epoch 1");
    await expect(
      runTraining(config, data, {
        checkpointDir: templateDir,
        onEpoch: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    template = readFileSync(join(templateDir, CHECKPOINT_FILE), "utf8");
    rmSync(templateDir, { recursive: true, force: true });
  });

  type File = {
    modelWeights: Array<Record<string, unknown> & { name: string }>;
    optimizerWeights: Array<Record<string, unknown> & { name: string }>;
    schedulerState?: Record<string, unknown>;
  };

  function editFloats(
    array: Record<string, unknown>,
    edit: (values: Float32Array) => void,
  ) {
    const bytes = new Uint8Array(Buffer.from(array.base64 as string, "base64"));
    const values = new Float32Array(bytes.buffer);
    edit(values);
    array.base64 = Buffer.from(values.buffer).toString("base64");
  }

  function floats(count: number): string {
    return Buffer.from(new Float32Array(count).buffer).toString("base64");
  }

  /** Finds a tensor by name, ignoring the suffix TF.js adds to a second model's variables. */
  function named(arrays: File["optimizerWeights"], name: string) {
    const array = arrays.find((a) => a.name.replace(/_\d+\//, "/") === name);
    if (array === undefined)
      throw new Error(`no tensor ${name} in ${arrays.map((a) => a.name)}`);
    return array;
  }

  /**
   * Resumes from the template with `mangle` applied, and returns the error
   * with what the run did before it.
   */
  async function resumeFrom(mangle: (file: File) => void) {
    const file = JSON.parse(template) as File;
    mangle(file);
    const path = join(dir, CHECKPOINT_FILE);
    const text = JSON.stringify(file);
    writeFileSync(path, text);

    const optimizerLoads: string[] = [];
    let created = 0;
    let steps = 0;
    let resumed = false;
    const error = await runTraining(config, data, {
      checkpointDir: dir,
      resume: true,
      createOptimizer: (name, options) => {
        const optimizer = createTfjsOptimizer(name, options);
        const role = created++ === 0 ? "run" : "scratch";
        const setWeights = optimizer.setWeights.bind(optimizer);
        optimizer.setWeights = (weights) => {
          optimizerLoads.push(role);
          return setWeights(weights);
        };
        return optimizer;
      },
      onStep: () => void steps++,
      onResume: () => void (resumed = true),
    }).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );

    expect(error).toBeInstanceOf(Error);
    expect(error!.message.startsWith(`${path}: `)).toBe(true);
    expect(optimizerLoads.filter((role) => role === "run")).toEqual([]);
    expect(steps).toBe(0);
    expect(resumed).toBe(false);
    expect(readFileSync(path, "utf8")).toBe(text);
    return error!.message;
  }

  it("resumes a nadam run with a schedule exactly", async () => {
    writeFileSync(join(dir, CHECKPOINT_FILE), template);
    const resumed = await runTraining(config, data, {
      checkpointDir: dir,
      resume: true,
    });
    const reference = await runTraining(config, data);
    expect(resumed.resumedEpochs).toBe(1);
    expect(withoutTime(resumed.epochs)).toEqual(withoutTime(reference.epochs));
    expect(resumed.stepLosses).toEqual(reference.stepLosses);
    expect(resumed.stepLrs).toEqual(reference.stepLrs);
  });

  it("rejects more epochs under a cosine schedule", async () => {
    const path = join(dir, CHECKPOINT_FILE);
    writeFileSync(path, template);
    let steps = 0;
    await expect(
      runTraining({ ...config, epochs: 3 }, data, {
        checkpointDir: dir,
        resume: true,
        onStep: () => void steps++,
      }),
    ).rejects.toThrow(
      `Training run: the checkpoint in ${dir} belongs to a run of 2 epochs, over which its cosine schedule ` +
        "spreads the learning rate, so resuming it with 3 epochs would give the remaining epochs rates " +
        "planned for another run. Resume with 2 epochs, or start a new run in another folder.",
    );
    expect(steps).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(template);
  });

  it("rejects NaN in a model weight", async () => {
    const message = await resumeFrom((file) => {
      editFloats(file.modelWeights[0], (values) => (values[5] = Number.NaN));
    });
    expect(message).toMatch(
      /: model weight 'hidden\/kernel' contains NaN at index 5, but every model weight must be finite to train on\. Delete the checkpoint to start the run over, with a smaller learning rate if the run diverged\.$/,
    );
  });

  it("rejects -Infinity in a model weight", async () => {
    const message = await resumeFrom((file) => {
      editFloats(
        file.modelWeights[3],
        (values) => (values[9] = Number.NEGATIVE_INFINITY),
      );
    });
    expect(message).toMatch(
      /: model weight 'logits\/bias' contains -Infinity at index 9, /,
    );
  });

  it("rejects a model weight of another shape", async () => {
    const message = await resumeFrom((file) => {
      Object.assign(file.modelWeights[1], {
        shape: [128],
        base64: floats(128),
      });
    });
    expect(message).toMatch(
      /: model weight 'hidden\/bias' has shape \[128\] but the mlp model expects \[256\]\. The run's settings match the checkpoint's, so another version of descent wrote the file or it was edited: delete it to start the run over\.$/,
    );
  });

  it("rejects a missing model weight", async () => {
    const message = await resumeFrom((file) => void file.modelWeights.pop());
    expect(message).toMatch(
      /: the checkpoint contains 3 model weights \(hidden\/kernel, hidden\/bias, logits\/kernel\) but the mlp model has 4 \(hidden\/kernel, hidden\/bias, logits\/kernel, logits\/bias\)\. The run's settings match/,
    );
  });

  it("rejects model weights in another order", async () => {
    const message = await resumeFrom((file) => {
      const weights = file.modelWeights;
      [weights[1], weights[3]] = [weights[3], weights[1]];
    });
    expect(message).toMatch(
      /: model weight 1 is 'logits\/bias' but weight 1 of the mlp model is 'hidden\/bias'\./,
    );
  });

  it("rejects an int32 model weight", async () => {
    const message = await resumeFrom(
      (file) => (file.modelWeights[1].dtype = "int32"),
    );
    expect(message).toMatch(
      /: model weight 'hidden\/bias' is int32 but the mlp model expects float32\./,
    );
  });

  it("rejects a model weight with too few values", async () => {
    const message = await resumeFrom(
      (file) => (file.modelWeights[1].base64 = floats(255)),
    );
    expect(message).toMatch(
      /: tensor 'hidden\/bias' has 255 values but shape \[256\] needs 256\. The checkpoint is corrupt: delete it to start afresh\.$/,
    );
  });

  it("rejects NaN in the optimizer state", async () => {
    const message = await resumeFrom((file) => {
      editFloats(
        named(file.optimizerWeights, "hidden/bias/v"),
        (values) => (values[3] = Number.NaN),
      );
    });
    expect(message).toMatch(
      /: optimizer weight 'hidden\/bias(_\d+)?\/v' contains NaN at index 3, which would turn the weights it updates into NaN\. Delete the checkpoint/,
    );
  });

  it("rejects optimizer state of another shape", async () => {
    const message = await resumeFrom((file) => {
      Object.assign(named(file.optimizerWeights, "hidden/bias/m"), {
        shape: [128],
        base64: floats(128),
      });
    });
    expect(message).toMatch(
      /: optimizer weight 'hidden\/bias(_\d+)?\/m' has shape \[128\] but the model weight 'hidden\/bias' it belongs to has shape \[256\]\. The run's settings match/,
    );
  });

  it("rejects optimizer state without muProduct", async () => {
    const message = await resumeFrom((file) => {
      const state = named(file.optimizerWeights, "descent/state");
      const saved = JSON.parse((state.strings as string[])[0]);
      saved.variables[0].scalars = {};
      state.strings = [JSON.stringify(saved)];
    });
    expect(message).toMatch(
      /: the optimizer state does not load\. DescentOptimizer\.setWeights: the state of variable "hidden\/kernel(_\d+)?" has taken 2 steps but is missing the scalar\(s\) muProduct that every later nadam step reads\. .* The checkpoint is corrupt: delete it to start afresh\.$/,
    );
  });

  it("rejects invalid schedule state before loading the optimizer", async () => {
    const message = await resumeFrom(
      (file) => (file.schedulerState!.lastEpoch = -5),
    );
    expect(message).toMatch(
      /: the schedule state does not load\. CosineAnnealingLR\.loadStateDict: lastEpoch must be an integer in \[-1, 9007199254740991\], got -5\./,
    );
  });

  it("rejects a missing schedule state", async () => {
    const message = await resumeFrom((file) => delete file.schedulerState);
    expect(message).toMatch(
      /: the run follows a learning-rate schedule but the checkpoint contains no schedulerState\./,
    );
  });
});
