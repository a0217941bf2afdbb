import * as tf from "@tensorflow/tfjs-core";

import type { ParamState } from "../core/index.js";
import { StateDictError, describeValue } from "../core/validation.js";

/**
 * The optimizer's state as TF.js named tensors, the form `getWeights()`
 * returns and model saving with `includeOptimizer` writes:
 *
 * - `iter`: the iteration count as an int32 scalar, first, as TF.js's own
 *   optimizers save it;
 * - `descent/state`: a string scalar holding JSON with the algorithm, the
 *   parameter group's options and, per variable, its name, shape, step count,
 *   scalars and buffer names;
 * - `<variable name>/<buffer>`: each state buffer as a float32 tensor of the
 *   variable's shape, such as `dense_Dense1/kernel/m`.
 *
 * JSON keeps the options and scalars as float64 numbers, so a resumed run
 * continues bit-identically.
 */

/**
 * A tensor with a name, as `tf.Optimizer.getWeights()` returns them. TF.js
 * 4 declares this type but does not export it from its package root.
 */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export const ITERATIONS_WEIGHT = "iter";
export const STATE_WEIGHT = "descent/state";
const FORMAT = "descent-tfjs-optimizer";
const VERSION = 1;

/** The state of one variable, decoded or about to be encoded. */
export interface VariableState {
  name: string;
  shape: number[];
  state: ParamState;
}

/** Everything `setWeights` restores. */
export interface DecodedState {
  algorithm: string;
  iterations: number;
  skippedSteps: number;
  group: Record<string, unknown>;
  variables: VariableState[];
}

interface SavedVariable {
  name: string;
  shape: number[];
  step: number;
  scalars: Record<string, number>;
  buffers: string[];
}

interface SavedState {
  format: string;
  version: number;
  algorithm: string;
  iterations: number;
  skippedSteps: number;
  group: Record<string, unknown>;
  variables: SavedVariable[];
}

/** Builds the named tensors of `state`; the caller owns them. */
export function encodeState(state: DecodedState): NamedTensor[] {
  const saved: SavedState = {
    format: FORMAT,
    version: VERSION,
    algorithm: state.algorithm,
    iterations: state.iterations,
    skippedSteps: state.skippedSteps,
    group: state.group,
    variables: state.variables.map(({ name, shape, state: s }) => ({
      name,
      shape,
      step: s.step,
      scalars: { ...s.scalars },
      buffers: Object.keys(s.buffers),
    })),
  };
  const weights: NamedTensor[] = [
    { name: ITERATIONS_WEIGHT, tensor: tf.scalar(state.iterations, "int32") },
    { name: STATE_WEIGHT, tensor: tf.scalar(JSON.stringify(saved), "string") },
  ];
  for (const { name, shape, state: s } of state.variables) {
    for (const [buffer, values] of Object.entries(s.buffers)) {
      // A copy, because the optimizer keeps updating its own buffer.
      const tensor = tf.tensor(Float32Array.from(values), shape, "float32");
      weights.push({ name: `${name}/${buffer}`, tensor });
    }
  }
  return weights;
}

/**
 * Reads what {@link encodeState} wrote. Buffers are copied out of the tensors,
 * so the caller may dispose them afterwards.
 * @throws StateDictError naming the missing or malformed entry.
 */
export async function decodeState(weights: readonly NamedTensor[]): Promise<DecodedState> {
  const where = "DescentOptimizer.setWeights";
  const fail = (problem: string, fix: string): never => {
    throw new StateDictError(`${where}: ${problem}. ${fix}.`);
  };
  if (!Array.isArray(weights)) {
    fail(`expected an array of named tensors, got ${describeValue(weights)}`, "Pass what getWeights() returned");
  }
  const byName = new Map<string, tf.Tensor>();
  for (const weight of weights) {
    if (byName.has(weight?.name)) {
      fail(`the weight ${describeValue(weight.name)} appears twice`, "Pass the weights of one getWeights() call, unchanged");
    }
    byName.set(weight?.name, weight?.tensor);
  }
  const stateTensor = byName.get(STATE_WEIGHT);
  if (stateTensor === undefined || stateTensor.dtype !== "string") {
    fail(
      `found no string tensor named "${STATE_WEIGHT}" among ${weights.length} weights ` +
        `(${describeValue(weights.map((w) => w.name))})`,
      "Pass the weights a descent optimizer's getWeights() returned, not those of a tf.train optimizer",
    );
  }
  const saved = parseSaved((await stateTensor!.data())[0] as unknown as Uint8Array | string, fail);

  const variables: VariableState[] = [];
  for (const entry of saved.variables) {
    const size = entry.shape.reduce((product, n) => product * n, 1);
    const buffers: Record<string, Float32Array> = {};
    for (const buffer of entry.buffers) {
      const name = `${entry.name}/${buffer}`;
      const tensor = byName.get(name);
      if (tensor === undefined || tensor.dtype !== "float32" || tensor.size !== size) {
        fail(
          `the buffer "${name}" must be a float32 tensor of ${size} elements, got ${describeTensor(tensor)}`,
          "Pass every weight getWeights() returned, unchanged",
        );
      }
      buffers[buffer] = Float32Array.from((await tensor!.data()) as Float32Array);
    }
    const state: ParamState = { step: entry.step, scalars: { ...entry.scalars }, buffers };
    variables.push({ name: entry.name, shape: [...entry.shape], state });
  }
  checkEveryWeightListed(byName, saved.variables, fail);
  return {
    algorithm: saved.algorithm,
    iterations: saved.iterations,
    skippedSteps: saved.skippedSteps,
    group: saved.group,
    variables,
  };
}

function parseSaved(
  raw: Uint8Array | string,
  fail: (problem: string, fix: string) => never,
): SavedState {
  let saved: SavedState;
  try {
    const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
    saved = JSON.parse(text) as SavedState;
  } catch (error) {
    return fail(`"${STATE_WEIGHT}" is not valid JSON (${(error as Error).message})`, "Save the optimizer again");
  }
  if (saved?.format !== FORMAT || saved.version !== VERSION) {
    fail(
      `"${STATE_WEIGHT}" must have format "${FORMAT}" version ${VERSION}, ` +
        `got ${describeValue(saved?.format)} version ${describeValue(saved?.version)}`,
      "Save the optimizer with this version of descent",
    );
  }
  const counts = [saved.iterations, saved.skippedSteps];
  if (!counts.every(isCount)) {
    fail(
      `iterations and skippedSteps must be integers in [0, ${Number.MAX_SAFE_INTEGER}], got ${describeValue(counts)}`,
      "Save the optimizer again",
    );
  }
  if (saved.group === null || typeof saved.group !== "object" || !Array.isArray(saved.variables)) {
    fail(`"${STATE_WEIGHT}" lacks the group options or the variable list`, "Save the optimizer again");
  }
  // Copied onto the core's group with Object.assign, these keys would
  // replace its parameter list or its prototype.
  for (const key of ["params", "__proto__"]) {
    if (Object.hasOwn(saved.group, key)) {
      fail(`the saved options hold the key "${key}", which is not an option`, "Save the optimizer again");
    }
  }
  const names = new Set<string>();
  for (const entry of saved.variables) checkSavedVariable(entry, names, fail);
  return saved;
}

function checkSavedVariable(
  entry: SavedVariable,
  names: Set<string>,
  fail: (problem: string, fix: string) => never,
): void {
  const label = describeValue(entry?.name);
  if (entry !== null && typeof entry === "object" && !isCount(entry.step)) {
    fail(
      `the state of variable ${label} has step ${describeValue(entry.step)}, not an integer in [0, ${Number.MAX_SAFE_INTEGER}]`,
      "Save the optimizer again",
    );
  }
  const valid =
    typeof entry?.name === "string" &&
    Array.isArray(entry.shape) &&
    entry.shape.every((n) => Number.isInteger(n) && n >= 0) &&
    isCount(entry.step) &&
    Array.isArray(entry.buffers) &&
    entry.buffers.every((b) => typeof b === "string" && b !== "__proto__") &&
    entry.scalars !== null &&
    typeof entry.scalars === "object" &&
    Object.values(entry.scalars).every((x) => Number.isFinite(x));
  if (!valid) {
    fail(
      `the state of variable ${label} must have a name, a shape, a step count, ` +
        `finite numeric scalars and a list of buffers`,
      "Save the optimizer again",
    );
  }
  if (names.has(entry.name)) {
    fail(`the variable ${label} appears twice`, "Save the optimizer again");
  }
  names.add(entry.name);
}

/**
 * Rejects weights that belong to no variable the state lists, such as the
 * buffers of a variable whose entry was dropped from "descent/state" or
 * weights mixed in from another save, which loading would otherwise ignore.
 */
function checkEveryWeightListed(
  byName: ReadonlyMap<string, unknown>,
  variables: readonly SavedVariable[],
  fail: (problem: string, fix: string) => never,
): void {
  const listed = new Set([ITERATIONS_WEIGHT, STATE_WEIGHT]);
  for (const { name, buffers } of variables) {
    for (const buffer of buffers) listed.add(`${name}/${buffer}`);
  }
  const extra = [...byName.keys()].filter((name) => !listed.has(name));
  if (extra.length > 0) {
    fail(
      `the weight${extra.length === 1 ? "" : "s"} ${describeValue(extra)} belong${extra.length === 1 ? "s" : ""} to no ` +
        `variable that "${STATE_WEIGHT}" lists (it lists ${describeValue(variables.map((v) => v.name))})`,
      "Pass the weights of one getWeights() call together, unchanged",
    );
  }
}

/** Tells whether `value` is a count: an integer from 0 to 2^53 − 1, beyond which adding 1 changes nothing. */
function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function describeTensor(tensor: tf.Tensor | undefined): string {
  if (tensor === undefined) return "no such tensor";
  return `a ${tensor.dtype} tensor of ${tensor.size} elements`;
}
