import { removeStaleTemporaries } from "../report/stale-temporaries.js";
import type { SchedulerStateDict } from "../schedules/index.js";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

import * as tf from "@tensorflow/tfjs-core";

import type { EpochMetrics, RunConfig } from "./run.js";

/**
 * Checkpoints of a training run: everything needed to continue it
 * bit-identically, saved at each epoch end as one JSON file.
 */

/** File name of the checkpoint inside its folder. */
export const CHECKPOINT_FILE = "checkpoint.json";

const FORMAT_VERSION = 1;
const CORRUPT = "The checkpoint is corrupt: delete it to start afresh.";
// A resumed run's settings match the checkpoint's (see resumeKey), so the
// same code builds the same model from them.
const MISFIT =
  "The run's settings match the checkpoint's, so another version of descent " +
  "wrote the file or it was edited: delete it to start the run over.";
const DIVERGED =
  "Delete the checkpoint to start the run over, with a smaller learning " +
  "rate if the run diverged.";

/** A tensor with a name, as `tf.Optimizer.getWeights` returns them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * A tensor in JSON-safe form: numbers as little-endian base64, strings
 * (such as a descent optimizer's JSON state) as they are.
 */
export type NamedArray =
  | {
      name: string;
      shape: number[];
      dtype: "float32" | "int32";
      base64: string;
    }
  | { name: string; shape: number[]; dtype: "string"; strings: string[] };

/** A run's state after `epoch` completed epochs. */
export interface Checkpoint {
  config: RunConfig;
  /** Hash of the data's sizes and labels; see `fingerprintOf` in run.ts. */
  dataFingerprint: string;
  /** Number of epochs completed. */
  epoch: number;
  /** State of the shuffling generator after those epochs. */
  randomState: number;
  epochs: EpochMetrics[];
  stepLosses: number[];
  /** Learning rate of every step; absent in checkpoints written before it was recorded. */
  stepLrs?: (number | null)[];
  modelWeights: NamedArray[];
  /** The optimizer's `getWeights()`, in its order. */
  optimizerWeights: NamedArray[];
  /** The learning-rate schedule's `stateDict()`, for a run with a schedule. */
  schedulerState?: SchedulerStateDict;
}

interface CheckpointFile extends Checkpoint {
  format: "descent-checkpoint";
  version: number;
}

/** Reads tensors' values into JSON-safe arrays. */
export function toNamedArrays(tensors: NamedTensor[]): NamedArray[] {
  return tensors.map(({ name, tensor }): NamedArray => {
    const shape = tensor.shape.slice();
    if (tensor.dtype === "string") {
      // TF.js 4 returns decoded strings here; older versions returned bytes.
      const values = tensor.dataSync() as unknown as Array<string | Uint8Array>;
      const strings = values.map((v) =>
        typeof v === "string" ? v : tf.util.decodeString(v),
      );
      return { name, shape, dtype: "string", strings };
    }
    if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
      throw new TypeError(
        `Checkpoint: tensor '${name}' has dtype ${tensor.dtype}; only ` +
          `float32, int32 and string tensors can be saved.`,
      );
    }
    const values = tensor.dataSync() as Float32Array | Int32Array;
    const bytes = Buffer.from(
      values.buffer,
      values.byteOffset,
      values.byteLength,
    );
    return {
      name,
      shape,
      dtype: tensor.dtype,
      base64: bytes.toString("base64"),
    };
  });
}

/**
 * Makes tensors from what {@link toNamedArrays} returned.
 * @param source Names the checkpoint in messages, such as its file path.
 * @throws Error if a tensor's values do not fill its shape.
 */
export function readNamedArrays(
  arrays: NamedArray[],
  source = "Checkpoint",
): NamedTensor[] {
  return arrays.map((array) => {
    const values = decodeValues(array, source);
    return {
      name: array.name,
      tensor: tf.tensor(values, array.shape, array.dtype),
    };
  });
}

/** Decodes a tensor's values and checks that they fill its shape. */
function decodeValues(
  array: NamedArray,
  source: string,
): Float32Array | Int32Array | string[] {
  const { name, shape } = array;
  const size = shape.reduce((a, b) => a * b, 1);
  let values: Float32Array | Int32Array | string[];
  if (array.dtype === "string") {
    values = array.strings;
  } else {
    const copy = new Uint8Array(Buffer.from(array.base64, "base64")).buffer;
    if (copy.byteLength % 4 !== 0) {
      throw new Error(
        `${source}: tensor '${name}' holds ${copy.byteLength} bytes, not a whole number of ` +
          `${array.dtype} values. ${CORRUPT}`,
      );
    }
    values =
      array.dtype === "int32" ? new Int32Array(copy) : new Float32Array(copy);
  }
  if (values.length !== size) {
    throw new Error(
      `${source}: tensor '${name}' has ${values.length} values but ` +
        `shape [${shape}] needs ${size}. ${CORRUPT}`,
    );
  }
  return values;
}

/** A weight of the model a checkpoint is loaded into. */
export interface ModelWeightSpec {
  /** The weight's name without the `_1` suffix TF.js adds to make it unique, such as `hidden/kernel`. */
  name: string;
  shape: readonly number[];
}

/**
 * Checks the checkpoint's tensors against the model they are about to be
 * loaded into, before anything is applied:
 *
 * - the model weights: the model's count, names, float32 dtype and shapes,
 *   with every value finite;
 * - the optimizer weights: values that fill their shapes, no NaN, and the
 *   model weight's shape for each slot named `<model weight>/<slot>`, the
 *   naming of descent's and TF.js's optimizers.
 *
 * The optimizer state may hold ±Infinity: a second moment that overflows
 * float32 is Infinity, and the update then moves that element by 0.
 *
 * @param path The checkpoint file, named in every message.
 * @param model The model's name, such as `mlp`, and its weights in order.
 * @throws Error naming the file, the weight, the value found and what the
 *   model expects.
 */
export function checkCheckpointTensors(
  path: string,
  checkpoint: Checkpoint,
  model: { name: string; weights: readonly ModelWeightSpec[] },
): void {
  checkModelWeights(path, checkpoint.modelWeights, model);
  checkOptimizerWeights(path, checkpoint.optimizerWeights, model.weights);
}

function checkModelWeights(
  path: string,
  arrays: NamedArray[],
  model: { name: string; weights: readonly ModelWeightSpec[] },
): void {
  const expected = model.weights;
  if (arrays.length !== expected.length) {
    throw new Error(
      `${path}: the checkpoint contains ${arrays.length} model weights ` +
        `(${arrays.map((a) => a.name).join(", ")}) but the ${model.name} model ` +
        `has ${expected.length} (${expected.map((w) => w.name).join(", ")}). ${MISFIT}`,
    );
  }
  arrays.forEach((array, i) => {
    const weight = expected[i];
    const label = `model weight '${array.name}'`;
    if (array.name !== weight.name) {
      throw new Error(
        `${path}: model weight ${i} is '${array.name}' but weight ${i} of ` +
          `the ${model.name} model is '${weight.name}'. ${MISFIT}`,
      );
    }
    if (array.dtype !== "float32") {
      throw new Error(
        `${path}: ${label} is ${array.dtype} but the ${model.name} model ` +
          `expects float32. ${MISFIT}`,
      );
    }
    if (!sameShape(array.shape, weight.shape)) {
      throw new Error(
        `${path}: ${label} has shape [${array.shape}] but the ${model.name} ` +
          `model expects [${weight.shape}]. ${MISFIT}`,
      );
    }
    const values = decodeValues(array, path) as Float32Array;
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new Error(
        `${path}: ${label} contains ${values[bad]} at index ${bad}, but every ` +
          `model weight must be finite to train on. ${DIVERGED}`,
      );
    }
  });
}

function checkOptimizerWeights(
  path: string,
  arrays: NamedArray[],
  modelWeights: readonly ModelWeightSpec[],
): void {
  const shapes = new Map(modelWeights.map((w) => [w.name, w.shape]));
  for (const array of arrays) {
    const values = decodeValues(array, path);
    if (array.dtype !== "float32") continue;
    const label = `optimizer weight '${array.name}'`;
    const bad = (values as Float32Array).findIndex(Number.isNaN);
    if (bad >= 0) {
      throw new Error(
        `${path}: ${label} contains NaN at index ${bad}, which would turn the ` +
          `weights it updates into NaN. ${DIVERGED}`,
      );
    }
    // A variable's name may carry the suffix TF.js adds to make it unique.
    const owner = array.name.replace(/\/[^/]*$/, "").replace(/_\d+$/, "");
    const shape = shapes.get(owner);
    if (shape !== undefined && !sameShape(array.shape, shape)) {
      throw new Error(
        `${path}: ${label} has shape [${array.shape}] but the model ` +
          `weight '${owner}' it belongs to has shape [${shape}]. ${MISFIT}`,
      );
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** An optimizer and a schedule, as a run builds them, to load state into. */
export interface StateTarget {
  optimizer: tf.Optimizer;
  schedule?: {
    stateDict(): SchedulerStateDict | undefined;
    loadStateDict(state: SchedulerStateDict): void;
  };
}

/**
 * Loads the checkpoint's optimizer and schedule state into `scratch`, a
 * throwaway optimizer and schedule built like the run's own, so that state
 * they reject fails before any part of the run changes. Disposes the
 * scratch optimizer.
 *
 * @param optimizerWeights The checkpoint's optimizer weights as tensors; the
 *   caller keeps ownership.
 * @throws Error naming the file and quoting the optimizer's or schedule's
 *   own message.
 */
export async function checkStateLoads(
  path: string,
  checkpoint: Checkpoint,
  optimizerWeights: NamedTensor[],
  scratch: StateTarget,
): Promise<void> {
  const fail = (part: string, error: unknown): never => {
    const message = (error as Error).message.replace(/([^.])$/, "$1.");
    throw new Error(
      `${path}: the ${part} does not load. ${message} ${CORRUPT}`,
    );
  };
  try {
    try {
      await scratch.optimizer.setWeights(optimizerWeights);
    } catch (error) {
      fail("optimizer state", error);
    }
    const { schedule } = scratch;
    const schedulerState = checkpoint.schedulerState;
    // A schedule without state (constant, no warm-up) saves none.
    if (schedule?.stateDict() === undefined) return;
    if (schedulerState === undefined) {
      throw new Error(
        `${path}: the run follows a learning-rate schedule but the ` +
          `checkpoint contains no schedulerState. ${CORRUPT}`,
      );
    }
    try {
      schedule.loadStateDict(schedulerState);
    } catch (error) {
      fail("schedule state", error);
    }
  } finally {
    scratch.optimizer.dispose();
  }
}

/**
 * Writes `checkpoint` to `dir/checkpoint.json` atomically. The data goes to
 * a temporary file in the same folder, is flushed to disk, and then replaces
 * the old checkpoint by a rename. A crash at any moment therefore leaves
 * either the old checkpoint or the new one.
 */
export function saveCheckpoint(dir: string, checkpoint: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  const file: CheckpointFile = {
    format: "descent-checkpoint",
    version: FORMAT_VERSION,
    ...checkpoint,
  };
  const target = join(dir, CHECKPOINT_FILE);
  const temporary = `${target}.${process.pid}.tmp`;

  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, JSON.stringify(file));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  removeStaleTemporaries(dir, CHECKPOINT_FILE);

  // Flushing the folder makes the rename itself durable.
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Tells whether `value` has the form {@link toNamedArrays} writes. */
function isNamedArray(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const { name, shape, dtype, base64, strings } = value as Record<
    string,
    unknown
  >;
  const shapeValid =
    Array.isArray(shape) && shape.every((n) => Number.isInteger(n) && n >= 0);
  if (typeof name !== "string" || !shapeValid) return false;
  if (dtype === "string") {
    return (
      Array.isArray(strings) && strings.every((s) => typeof s === "string")
    );
  }
  return (
    (dtype === "float32" || dtype === "int32") && typeof base64 === "string"
  );
}

/**
 * Checks the fields a resumed run reads, so that a damaged file fails here,
 * naming the field, rather than in the middle of restoring.
 */
function checkFields(saved: CheckpointFile, path: string): void {
  const fail = (problem: string): never => {
    throw new Error(`${path}: ${problem}. ${CORRUPT}`);
  };
  if (saved.config === null || typeof saved.config !== "object") {
    fail(`config is ${JSON.stringify(saved.config)}, not an object`);
  }
  const epochs = Array.isArray(saved.epochs) ? saved.epochs : [];
  if (!Array.isArray(saved.epochs) || saved.epoch !== epochs.length) {
    const listed = Array.isArray(saved.epochs)
      ? `${epochs.length} epoch${epochs.length === 1 ? "" : "s"}`
      : "no epochs";
    fail(`epoch is ${JSON.stringify(saved.epoch)} but epochs lists ${listed}`);
  }
  if (epochs.some((e) => e === null || typeof e !== "object")) {
    fail("epochs must be an array of per-epoch metrics objects");
  }
  const random = saved.randomState;
  if (!Number.isInteger(random) || random < 0 || random >= 2 ** 32) {
    fail(
      `randomState must be an integer in [0, 2^32), got ${JSON.stringify(random)}`,
    );
  }
  // A diverged run saves NaN losses, which JSON writes as null.
  const losses = saved.stepLosses;
  if (
    !Array.isArray(losses) ||
    !losses.every((l) => l === null || typeof l === "number")
  ) {
    fail("stepLosses must be an array of numbers");
  }
  const lrs = saved.stepLrs;
  if (
    lrs !== undefined &&
    (!Array.isArray(lrs) ||
      lrs.length !== (losses as unknown[]).length ||
      !lrs.every((lr) => lr === null || (typeof lr === "number" && lr >= 0)))
  ) {
    fail("stepLrs must be an array of numbers >= 0 or null, one per step");
  }
  for (const key of ["modelWeights", "optimizerWeights"] as const) {
    const arrays: unknown = saved[key];
    if (!Array.isArray(arrays))
      fail(`${key} must be an array of named tensors`);
    const bad = (arrays as unknown[]).findIndex(
      (array) => !isNamedArray(array),
    );
    if (bad >= 0) {
      fail(
        `${key}[${bad}] must be { name, shape, dtype, base64 | strings } with dtype float32, int32 or string`,
      );
    }
  }
}

/** Returns the settings that must match for a run to resume, as JSON. */
function resumeKey(config: RunConfig): string {
  const { epochs: _epochs, optimizerOptions = {}, ...rest } = config;
  const sortedOptions = Object.fromEntries(
    Object.entries(optimizerOptions).sort(([a], [b]) => a.localeCompare(b)),
  );
  const sortedRest = Object.fromEntries(
    Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)),
  );
  return JSON.stringify({ ...sortedRest, optimizerOptions: sortedOptions });
}

/**
 * Lists the settings that keep a checkpoint from resuming, such as
 * `optimizerOptions.lr is 0.001 in the checkpoint but 0.5 here`.
 */
function describeDifferences(saved: RunConfig, config: RunConfig): string {
  const flatten = (c: RunConfig): Map<string, string> => {
    const { optimizerOptions = {}, ...rest } = JSON.parse(
      resumeKey(c),
    ) as Record<string, unknown> & {
      optimizerOptions?: Record<string, unknown>;
    };
    const entries = Object.entries(rest).map(([k, v]) => [k, v] as const);
    for (const [k, v] of Object.entries(optimizerOptions))
      entries.push([`optimizerOptions.${k}`, v]);
    return new Map(entries.map(([k, v]) => [k, JSON.stringify(v)]));
  };
  const before = flatten(saved);
  const now = flatten(config);
  const keys = [...new Set([...before.keys(), ...now.keys()])];
  return keys
    .filter((key) => before.get(key) !== now.get(key))
    .map(
      (key) =>
        `${key} is ${before.get(key) ?? "unset"} in the checkpoint but ${now.get(key) ?? "unset"} here`,
    )
    .join("; ");
}

/**
 * Reads the checkpoint in `dir`, if any, and checks that it belongs to a run
 * with `config` (the number of epochs may differ) on the same data.
 *
 * @returns The checkpoint, or undefined if `dir` contains none.
 * @throws Error if the file is not a checkpoint of this format, or was made
 *   with other settings or data.
 */
export function loadCheckpoint(
  dir: string,
  config: RunConfig,
  dataFingerprint: string,
): Checkpoint | undefined {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;

  let file: Partial<CheckpointFile>;
  try {
    file = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(
      `${path}: not valid JSON (${(error as Error).message}). Delete the ` +
        `file to start the run afresh.`,
    );
  }
  if (
    file === null ||
    typeof file !== "object" ||
    file.format !== "descent-checkpoint" ||
    file.version !== FORMAT_VERSION
  ) {
    throw new Error(
      `${path}: not a descent checkpoint of format version ` +
        `${FORMAT_VERSION}. Delete the file or choose another folder.`,
    );
  }
  const saved = file as CheckpointFile;
  checkFields(saved, path);
  if (resumeKey(saved.config) !== resumeKey(config)) {
    throw new Error(
      `${path} belongs to a run with other settings: ` +
        `${describeDifferences(saved.config, config)}. ` +
        `Resume with the checkpoint's settings, or choose another folder.`,
    );
  }
  if (saved.dataFingerprint !== dataFingerprint) {
    throw new Error(
      `${path} was made on other data (fingerprint ` +
        `${saved.dataFingerprint}, this data has ${dataFingerprint}). ` +
        `Resume with the same data folder, or choose another folder.`,
    );
  }
  return saved;
}
