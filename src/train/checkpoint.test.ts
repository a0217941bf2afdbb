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
import { type EpochMetrics, type RunResult, runTraining } from "./run.js";

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

  it("rejects a checkpoint of other settings", () => {
    saveCheckpoint(dir, sampleCheckpoint());
    const other = { ...RESUME_TEST_CONFIG, seed: 8 };
    expect(() => loadCheckpoint(dir, other, "640+200:abc")).toThrow(
      /other settings.*"seed":8/,
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
