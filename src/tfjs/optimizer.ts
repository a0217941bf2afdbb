import * as tf from "@tensorflow/tfjs-core";

import {
  Parameter,
  StateDictError,
  algorithmNames,
  createOptimizer,
  isAlgorithmName,
  type Optimizer,
  type OptimizerSettings,
  type OptionsFor,
  type ParamState,
} from "../core/index.js";
import { describeValue } from "../core/validation.js";
import { openUpdate } from "./storage.js";
import {
  type DecodedState,
  type NamedTensor,
  type VariableState,
  decodeState,
  encodeState,
} from "./weights.js";

/** Options of {@link createTfjsOptimizer}: the algorithm's options plus settings. */
export type TfjsOptimizerOptions = Record<string, unknown> &
  OptimizerSettings & {
    /**
     * Read gradients and rewrite variables in the CPU and WebAssembly
     * backends' own storage, without copies, when no other tensor shares a
     * variable's storage. Default true; false copies through `dataSync()`
     * and `assign()`, which is what every other backend gets.
     */
    directAccess?: boolean;
  };

/**
 * The options {@link createTfjsOptimizer} takes with `name`: those of
 * {@link OptionsFor}, typed by algorithm for a lowercase name known at
 * compile time, plus `directAccess`.
 */
export type TfjsOptionsFor<N extends string> = OptionsFor<N> &
  Pick<TfjsOptimizerOptions, "directAccess">;

/** A variable the optimizer has seen, with the core parameter that stands for it. */
interface Binding {
  variable: tf.Variable;
  parameter: Parameter;
}

const EMPTY = new Float32Array(0);

/**
 * A descent optimizer as a TF.js optimizer (`tf.Optimizer`). The update is
 * the core optimizer's own kernel, run on the variables' float32 elements,
 * so its numbers equal the core's for the same gradients.
 *
 * State belongs to a variable, found by its identity while it lives and by
 * its name when saved and loaded. A variable absent from an
 * `applyGradients` call is not stepped and its state stays as it is.
 *
 * @remarks The core optimizer is {@link DescentOptimizer.core}: one parameter
 *   group whose `params` gain a {@link Parameter} for each new variable. A
 *   parameter holds its variable's elements only during `applyGradients` and
 *   is empty otherwise, so read the variable for its values.
 */
export class DescentOptimizer extends tf.Optimizer {
  /** The name TF.js model files record for this class. */
  static get className(): string {
    return "DescentOptimizer";
  }

  /** The core optimizer that performs every update; schedules may drive its `paramGroups`. */
  readonly core: Optimizer;
  /** The name the optimizer was created with, such as `"adam"` or the alias `"amsgrad"`. */
  readonly algorithmName: string;

  private readonly config: tf.serialization.ConfigDict;
  private readonly directAccess: boolean;
  private readonly bindings = new Map<tf.Variable, Binding>();
  /** Loaded state whose variable has not yet been seen, by saved variable name. */
  private readonly pending = new Map<string, VariableState>();
  /** Tensors returned by the last `getWeights`, disposed by the next call. */
  private lent: tf.Tensor[] = [];
  private readonly onWarning: (message: string) => void;
  private warnedUnmatched = false;

  /**
   * @throws TypeError for an unknown algorithm name or option, RangeError for
   *   an option out of range (the core's checks).
   */
  constructor(name: string, options: TfjsOptimizerOptions = {}) {
    super();
    const key = typeof name === "string" ? name.toLowerCase() : name;
    if (typeof key !== "string" || !isAlgorithmName(key)) {
      throw new TypeError(
        `createTfjsOptimizer: unknown algorithm ${describeValue(name)}. ` +
          `Valid names: ${algorithmNames.join(", ")}.`,
      );
    }
    const { directAccess = true, onWarning, ...coreOptions } = options ?? {};
    if (typeof directAccess !== "boolean") {
      throw new TypeError(
        `createTfjsOptimizer: directAccess must be true or false, got ${describeValue(directAccess)}.`,
      );
    }
    const settings = onWarning === undefined ? {} : { onWarning };
    // The core rejects an empty parameter list, so it is built with a
    // placeholder that leaves at once. Variables join the group as they appear.
    const placeholder = new Parameter(new Float32Array(0), { grad: null });
    this.core = createOptimizer(key, [placeholder], { ...coreOptions, ...settings });
    this.core.paramGroups[0].params.length = 0;
    this.onWarning = onWarning ?? ((message) => globalThis.console?.warn(message));
    this.algorithmName = key;
    this.directAccess = directAccess;
    this.config = { algorithm: key, options: { ...toConfig(coreOptions), directAccess } };
  }

  /** The learning rate of the core's parameter group. */
  get learningRate(): number {
    return this.core.paramGroups[0].lr;
  }

  set learningRate(lr: number) {
    this.setLearningRate(lr);
  }

  /**
   * Sets the learning rate for the following updates, as a scheduler or a
   * training callback does.
   * @throws RangeError unless `lr` is a finite number >= 0.
   */
  setLearningRate(lr: number): void {
    if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(
        `DescentOptimizer.setLearningRate: lr must be a finite number >= 0, got ${describeValue(lr)}. ` +
          `Pass a value such as 0.001.`,
      );
    }
    for (const group of this.core.paramGroups) group.lr = lr;
  }

  /**
   * Updates each variable named in `variableGradients` with the core's
   * kernel. A `null` gradient leaves its variable and state untouched.
   *
   * Every input is checked before any variable or state changes: names,
   * dtypes, shapes, and (by the core) that gradients are finite.
   *
   * @throws TypeError for a name that no live variable has, a name given twice,
   *   or a gradient whose dtype or shape differs from its variable.
   * @throws RangeError for a non-finite gradient element (unless the optimizer
   *   was built with `skipNonFinite`).
   * @throws StateDictError when loaded state does not fit its variable.
   */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs = resolveGradients(variableGradients);
    this.releaseLentWeights();
    this.forgetDisposedVariables();
    const known = new Set(this.bindings.keys());
    const bindings = pairs.map(({ variable }) => this.bind(variable));
    this.warnIfUnmatched(pairs.map((p) => p.variable).filter((v) => !known.has(v)));

    const update = openUpdate(
      pairs.map((p) => p.variable),
      pairs.map((p) => p.gradient),
      this.directAccess,
    );
    let stepped = false;
    try {
      bindings.forEach(({ parameter }, i) => {
        parameter.data = update.values[i];
        parameter.grad = update.gradients[i];
      });
      this.core.step();
      stepped = true;
    } finally {
      // Views of backend storage must not outlive the update, and a copy
      // kept here would double the memory of the copying path.
      for (const { parameter } of bindings) {
        parameter.grad = null;
        parameter.data = EMPTY;
      }
      if (stepped) update.commit();
      else update.abort();
    }
    this.incrementIterations();
  }

  /**
   * Returns the state as named tensors: `iter`, then `descent/state` (JSON
   * of options, step counts and scalars), then each buffer as
   * `<variable>/<buffer>`. Model saving with `includeOptimizer` stores them.
   *
   * @remarks The optimizer owns the returned tensors. They stay valid until
   *   its next `applyGradients`, `getWeights` or `dispose` call, which
   *   disposes them; clone a tensor to keep it longer. This way saving a
   *   model again and again leaks no tensors, although TF.js never disposes
   *   the optimizer weights it saves.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    this.releaseLentWeights();
    this.forgetDisposedVariables();
    const variables: VariableState[] = [];
    for (const { variable, parameter } of this.bindings.values()) {
      const state = this.core.state.get(parameter);
      if (state) variables.push({ name: variable.name, shape: [...variable.shape], state });
    }
    variables.push(...this.pending.values());
    const { params: _params, ...group } = this.core.paramGroups[0];
    const weights = encodeState({
      algorithm: this.core.algorithm,
      iterations: this.iterations,
      skippedSteps: this.core.skippedSteps,
      group,
      variables,
    });
    this.lent = weights.map((w) => tf.keep(w.tensor));
    return weights;
  }

  /**
   * Replaces the whole state with weights that {@link getWeights} returned,
   * possibly through a saved model. State is matched to variables by name;
   * state for a variable not seen yet waits until it first appears. A
   * variable loaded into a model whose name TF.js made unique with a suffix
   * such as `_1` also matches the saved name without that suffix.
   *
   * A variable the weights contain no state for starts afresh, as a
   * parameter missing from a state dict does in PyTorch's `load_state_dict`.
   * Either it had not been updated when the weights were saved, or it is
   * new, like a classifier head added for fine-tuning. When such a variable
   * is first updated while loaded state for other names is still
   * unmatched, the optimizer sends one warning to `onWarning`.
   *
   * Everything is checked before anything is replaced. The given tensors are
   * copied, so the caller may dispose them.
   *
   * @throws StateDictError for weights of another algorithm, a missing or
   *   malformed entry, a weight that belongs to no listed variable, invalid
   *   options or scalars, or a buffer that does not fit its variable (also
   *   one matched without a `_<n>` suffix).
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const decoded = await decodeState(weightValues);
    this.forgetDisposedVariables();
    this.checkLoadable(decoded);

    const group = this.core.paramGroups[0];
    for (const key of Object.keys(group)) if (key !== "params") delete group[key];
    Object.assign(group, decoded.group);
    this.core.dispose();
    this.core.state.clear();
    this.core.skippedSteps = decoded.skippedSteps;
    this.iterations_ = decoded.iterations;
    this.pending.clear();
    for (const entry of decoded.variables) this.pending.set(entry.name, entry);
    for (const binding of this.bindings.values()) this.adoptPending(binding);
  }

  /** Returns the algorithm name and the options the optimizer was created with. */
  override getConfig(): tf.serialization.ConfigDict {
    return JSON.parse(JSON.stringify(this.config)) as tf.serialization.ConfigDict;
  }

  /** Builds an optimizer from what {@link getConfig} returned, as model loading does. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { algorithm, options } = config ?? {};
    if (typeof algorithm !== "string" || options === null || typeof options !== "object") {
      throw new TypeError(
        `DescentOptimizer.fromConfig: expected { algorithm, options } as getConfig() returns, ` +
          `got ${describeValue(config)}.`,
      );
    }
    return new cls(algorithm, { ...(options as Record<string, unknown>) });
  }

  /**
   * Forgets every variable and its state, frees the core's WebAssembly
   * memory, and disposes tensors lent by `getWeights`.
   */
  override dispose(): void {
    this.releaseLentWeights();
    this.core.dispose();
    this.bindings.clear();
    this.pending.clear();
    this.core.state.clear();
    this.core.paramGroups[0].params.length = 0;
  }

  /** Returns the variable's binding, creating it (and adopting loaded state) on first sight. */
  private bind(variable: tf.Variable): Binding {
    const known = this.bindings.get(variable);
    if (known) return known;
    const parameter = new Parameter(EMPTY, { grad: null, name: variable.name });
    const binding = { variable, parameter };
    this.adoptPending(binding);
    this.core.paramGroups[0].params.push(parameter);
    this.bindings.set(variable, binding);
    return binding;
  }

  /**
   * Warns once when variables seen for the first time found no loaded state
   * while loaded state for other names is still waiting: a sign that the
   * model's variable names differ from those the state was saved with.
   */
  private warnIfUnmatched(newVariables: readonly tf.Variable[]): void {
    if (this.warnedUnmatched || this.pending.size === 0) return;
    const fresh = newVariables.filter((v) => !this.core.state.has((this.bindings.get(v) as Binding).parameter));
    if (fresh.length === 0) return;
    this.warnedUnmatched = true;
    this.onWarning(
      `DescentOptimizer.applyGradients: ${describeValue(fresh.map((v) => v.name))} found no loaded state and ` +
        `start afresh, while the loaded state of ${describeValue([...this.pending.keys()])} matches no variable ` +
        `updated so far. If the model's variable names differ from those the state was saved with, load the ` +
        `state into the model it was saved with.`,
    );
  }

  /** Moves loaded state for the binding's variable, if any, into the core. */
  private adoptPending(binding: Binding): void {
    const entry = this.findPending(binding.variable);
    if (entry === undefined) return;
    checkFits(entry, binding.variable);
    this.pending.delete(entry.name);
    this.core.state.set(binding.parameter, entry.state);
  }

  private findPending(variable: tf.Variable): VariableState | undefined {
    return findLoadedState(this.pending, variable);
  }

  /**
   * Checks decoded state against this optimizer: same algorithm, valid
   * options, the buffers the algorithm keeps, and shapes of live variables.
   */
  private checkLoadable(decoded: DecodedState): void {
    const where = "DescentOptimizer.setWeights";
    if (decoded.algorithm !== this.core.algorithm) {
      throw new StateDictError(
        `${where}: the weights were saved by "${decoded.algorithm}" but this optimizer is ` +
          `"${this.core.algorithm}". Load them into createTfjsOptimizer("${decoded.algorithm}", ...) instead.`,
      );
    }
    const required = this.stateAfterOneStep(decoded.group);
    for (const entry of decoded.variables) {
      const missing = required.buffers.filter((name) => !(name in entry.state.buffers));
      if (missing.length > 0) {
        throw new StateDictError(
          `${where}: the state of variable "${entry.name}" lacks the buffer(s) ${missing.join(", ")} ` +
            `that ${this.core.algorithm} keeps with these options. Pass every weight getWeights() returned.`,
        );
      }
      // A variable's first step creates the scalars; later steps read them.
      const scalars = entry.state.step === 0 ? [] : required.scalars;
      const absent = scalars.filter((name) => !Object.hasOwn(entry.state.scalars, name));
      if (absent.length > 0) {
        throw new StateDictError(
          `${where}: the state of variable "${entry.name}" has taken ${entry.state.step} ` +
            `step${entry.state.step === 1 ? "" : "s"} but is missing the ` +
            `scalar(s) ${absent.join(", ")} that every later ${this.core.algorithm} step reads. ` +
            `Pass the "descent/state" weight getWeights() returned, unchanged.`,
        );
      }
      const invalid = this.core.findInvalidScalar(entry.state.step, entry.state.scalars);
      if (invalid !== undefined) {
        throw new StateDictError(
          `${where}: the state of variable "${entry.name}" has taken ${entry.state.step} ` +
            `step${entry.state.step === 1 ? "" : "s"} but its scalar "${invalid.name}" is ` +
            `${describeValue(invalid.value)}, and every later ${this.core.algorithm} step reads it as ` +
            `${invalid.expected}. Pass the "descent/state" weight getWeights() returned, unchanged.`,
        );
      }
    }
    // Matches live variables as setWeights will, so that a misfit fails here.
    const byName = new Map(decoded.variables.map((entry) => [entry.name, entry]));
    for (const { variable } of this.bindings.values()) {
      const entry = findLoadedState(byName, variable);
      if (entry === undefined) continue;
      checkFits(entry, variable);
      byName.delete(entry.name);
    }
  }

  /**
   * Validates saved group options by running one step of a one-element copy
   * of the core with them, and returns the names of the buffers and scalars
   * that step created.
   */
  private stateAfterOneStep(group: Record<string, unknown>): { buffers: string[]; scalars: string[] } {
    const parameter = new Parameter(new Float32Array(1));
    const scratch = createOptimizer(this.algorithmName, [parameter], {
      ...coreOptionsOf(this.config),
      onWarning: () => {},
    });
    const scratchGroup = scratch.paramGroups[0];
    for (const key of Object.keys(scratchGroup)) if (key !== "params") delete scratchGroup[key];
    Object.assign(scratchGroup, JSON.parse(JSON.stringify(group)));
    try {
      scratch.step();
    } catch (error) {
      throw new StateDictError(
        `DescentOptimizer.setWeights: the saved options are invalid: ${(error as Error).message}`,
      );
    }
    const state = scratch.state.get(parameter) as ParamState;
    const names = { buffers: Object.keys(state.buffers), scalars: Object.keys(state.scalars) };
    scratch.dispose();
    return names;
  }

  private releaseLentWeights(): void {
    if (this.lent.length > 0) tf.dispose(this.lent);
    this.lent = [];
  }

  /**
   * Drops disposed variables with their state, so they are neither stepped
   * nor saved. The core frees a dropped state's WebAssembly memory when the
   * state is garbage-collected.
   */
  private forgetDisposedVariables(): void {
    for (const [variable, { parameter }] of this.bindings) {
      if (!variable.isDisposed) continue;
      this.bindings.delete(variable);
      this.core.state.delete(parameter);
      const params = this.core.paramGroups[0].params;
      params.splice(params.indexOf(parameter), 1);
    }
  }
}

tf.serialization.registerClass(DescentOptimizer);

/**
 * Turns `applyGradients`' argument into variables and gradients, in order.
 * @throws TypeError as documented on {@link DescentOptimizer.applyGradients}.
 */
function resolveGradients(
  variableGradients: tf.NamedTensorMap | NamedTensor[],
): Array<{ variable: tf.Variable; gradient: tf.Tensor }> {
  const where = "DescentOptimizer.applyGradients";
  if (variableGradients === null || typeof variableGradients !== "object") {
    throw new TypeError(
      `${where}: expected a map from variable name to gradient or an array of { name, tensor }, ` +
        `got ${describeValue(variableGradients)}.`,
    );
  }
  const entries = Array.isArray(variableGradients)
    ? variableGradients.map((entry: unknown, i) => {
        if (entry === null || typeof entry !== "object") {
          throw new TypeError(
            `${where}: entry ${i} must be { name, tensor }, got ${describeValue(entry)}. ` +
              `Pass the named tensors as tf.variableGrads() or getWeights() lists them.`,
          );
        }
        const { name, tensor } = entry as NamedTensor;
        return [name, tensor] as const;
      })
    : Object.entries(variableGradients);
  const registered = tf.engine().registeredVariables;
  const seen = new Set<string>();
  const pairs: Array<{ variable: tf.Variable; gradient: tf.Tensor }> = [];
  for (const [name, gradient] of entries) {
    if (gradient === null || gradient === undefined) continue;
    const variable = registered[name];
    if (variable === undefined) {
      throw new TypeError(
        `${where}: no live tf.Variable is named ${describeValue(name)}. ` +
          `Key each gradient by its variable's name, as tf.variableGrads() does.`,
      );
    }
    if (seen.has(name)) {
      throw new TypeError(`${where}: the variable "${name}" has two gradients. Pass one gradient per variable.`);
    }
    seen.add(name);
    checkGradient(variable, gradient, where);
    pairs.push({ variable, gradient });
  }
  return pairs;
}

function checkGradient(variable: tf.Variable, gradient: tf.Tensor, where: string): void {
  if (variable.dtype !== "float32") {
    throw new TypeError(
      `${where}: the variable "${variable.name}" is ${variable.dtype}; descent updates float32 variables only. ` +
        `Create it with dtype float32 or leave it out of the update.`,
    );
  }
  if (!(gradient instanceof tf.Tensor) || gradient.dtype !== "float32") {
    throw new TypeError(
      `${where}: the gradient of "${variable.name}" must be a float32 tensor, got ` +
        `${gradient instanceof tf.Tensor ? `a ${gradient.dtype} tensor` : describeValue(gradient)}.`,
    );
  }
  if (gradient.isDisposed) {
    throw new TypeError(
      `${where}: the gradient of "${variable.name}" is disposed. Dispose gradients after applyGradients returns.`,
    );
  }
  if (!sameShape(gradient.shape, variable.shape)) {
    throw new TypeError(
      `${where}: the gradient of "${variable.name}" has shape [${gradient.shape}] but the variable ` +
        `has shape [${variable.shape}]; they must be equal. Compute the gradient for this variable.`,
    );
  }
}

function checkFits(entry: VariableState, variable: tf.Variable): void {
  if (!sameShape(entry.shape, variable.shape)) {
    const matched = entry.name === variable.name ? "" : ", which matches that name without its _<n> suffix,";
    throw new StateDictError(
      `DescentOptimizer: the loaded state of "${entry.name}" has shape [${entry.shape}] but the ` +
        `variable "${variable.name}"${matched} has shape [${variable.shape}]. Load the state into the model it was saved with.`,
    );
  }
}

/**
 * Returns the loaded state saved under the variable's name or, failing
 * that, under the one name that matches it without a `_<n>` suffix.
 * @throws StateDictError when every state that matches without the suffix
 *   has another shape, as with a model rebuilt with other sizes.
 */
function findLoadedState(
  loaded: ReadonlyMap<string, VariableState>,
  variable: tf.Variable,
): VariableState | undefined {
  const exact = loaded.get(variable.name);
  if (exact) return exact;
  const base = withoutUniqueSuffix(variable.name);
  const sameBase = [...loaded.values()].filter((entry) => withoutUniqueSuffix(entry.name) === base);
  const candidates = sameBase.filter((entry) => sameShape(entry.shape, variable.shape));
  if (sameBase.length > 0 && candidates.length === 0) checkFits(sameBase[0], variable);
  return candidates.length === 1 ? candidates[0] : undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Removes the `_<n>` that TF.js Layers appends to make a variable name unique. */
function withoutUniqueSuffix(name: string): string {
  return name.replace(/_\d+$/, "");
}

/** Returns the JSON-safe part of the options: everything but functions. */
function toConfig(options: Record<string, unknown>): tf.serialization.ConfigDict {
  const config: tf.serialization.ConfigDict = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && typeof value !== "function") {
      config[key] = JSON.parse(JSON.stringify(value)) as tf.serialization.ConfigDictValue;
    }
  }
  return config;
}

function coreOptionsOf(config: tf.serialization.ConfigDict): Record<string, unknown> {
  const { directAccess: _directAccess, ...options } = config.options as Record<string, unknown>;
  return options;
}

/**
 * Creates a TF.js optimizer that runs descent's algorithm `name` (any name
 * {@link createOptimizer} accepts: `"sgd"`, `"adam"`, `"adamw"`,
 * `"adabound"`, ...) with the given options. With a lowercase name written
 * in the code, TypeScript checks the options against that algorithm's, so
 * TF.js's `learningRate` in place of `lr` fails to compile.
 *
 * @throws TypeError for an unknown name or option, RangeError for an option out of range.
 * @example
 * ```ts
 * const optimizer = createTfjsOptimizer("adamw", { lr: 1e-3, weightDecay: 0.01 });
 * model.compile({ optimizer, loss: "categoricalCrossentropy" });
 * ```
 */
export function createTfjsOptimizer<N extends string>(
  name: N,
  options: TfjsOptionsFor<N> = {} as TfjsOptionsFor<N>,
): DescentOptimizer {
  return new DescentOptimizer(name, options as TfjsOptimizerOptions);
}
