import {
  type FloatArray,
  Parameter,
  checkGradMatches,
  dtypeOf,
  isFloatArray,
} from "./parameter.js";
import { decodeArray, encodeArray, type EncodedArray } from "./encoding.js";
import {
  activeFloat32Kernels,
  float32Kernels,
  loadedFloat32Kernels,
} from "./wasm/runtime.js";
import {
  type NumberOptionSpec,
  type OptionSpec,
  type OptionSpecs,
  StateDictError,
  checkOption,
  checkOptionsObject,
  describeRange,
  describeValue,
  isInRange,
  resolveOptions,
} from "./validation.js";

/**
 * Options every optimizer accepts.
 *
 * - `lr`: the learning rate η. Any value ≥ 0 may be set between steps, as a
 *   scheduler does; 0 leaves the parameters unchanged while the state still advances.
 * - `weightDecay`: λ. L2 weight decay adds λθ to the gradient, except in the
 *   decoupled forms (AdamW, AdaBoundW) whose docs say how they decay.
 * - `maximize`: climb the objective instead of descending it. The sign flip
 *   happens before weight decay, so decay still pulls the weights towards zero.
 */
export interface BaseOptions {
  lr: number;
  weightDecay: number;
  maximize: boolean;
}

/** Settings of an optimizer as a whole, not of a parameter group. */
export interface OptimizerSettings {
  /**
   * On a non-finite gradient element, skip the whole step (no parameter or
   * state changes) and count it in `skippedSteps`, instead of throwing. Default false.
   */
  skipNonFinite?: boolean;
  /** Receives warnings, once per kind per optimizer. Default: `console.warn`. */
  onWarning?: (message: string) => void;
}

/** A parameter group as given to a constructor: parameters plus option overrides. */
export type ParamGroupInput<O> = Partial<O> & { params: readonly Parameter[] };

/**
 * A parameter group: its parameters and the options in force for them.
 * Other keys (a scheduler's `initialLr`, say) are kept and saved with the state.
 */
export type ParamGroup<O> = O & {
  params: Parameter[];
  [extra: string]: unknown;
};

/** Per-parameter optimizer state. */
export interface ParamState {
  /** Steps taken by this parameter (steps where its grad was `null` do not count). */
  step: number;
  /** Named buffers of the parameter's element type and length. */
  buffers: Record<string, FloatArray>;
  /** Named scalars, such as NAdam's running momentum product. */
  scalars: Record<string, number>;
}

/** The JSON-safe form of an optimizer's state, from {@link Optimizer.stateDict}. */
export interface OptimizerStateDict {
  format: "descent-optimizer";
  version: 1;
  algorithm: string;
  skippedSteps: number;
  /** Each group's options and the global indices of its parameters. */
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
  /** State by global parameter index; parameters that never stepped are absent. */
  state: Record<
    string,
    {
      step: number;
      scalars: Record<string, number>;
      buffers: Record<string, EncodedArray>;
    }
  >;
}

const STATE_FORMAT = "descent-optimizer";
/** The range of a saved step count. From 2^53 on, adding 1 no longer changes a count. */
const COUNT_RANGE = `an integer in [0, ${Number.MAX_SAFE_INTEGER}]`;
const STATE_VERSION = 1;
const SETTING_NAMES = ["skipNonFinite", "onWarning"] as const;

/** Static description an algorithm class gives to the base class. */
export interface AlgorithmDescription {
  /** Lowercase name, as {@link createOptimizer} takes it and state dicts record it. */
  algorithm: string;
  /** Display name used in messages, e.g. "Adam". */
  displayName: string;
  specs: OptionSpecs;
  /** Names of the buffers the algorithm may keep per parameter. */
  buffers: readonly string[];
  /**
   * The buffers among `buffers` that a step creates when they are missing,
   * such as AMSGrad's vMax. Saved state must hold every other buffer.
   */
  optionalBuffers?: readonly string[];
  /**
   * The scalars a step reads once the parameter has stepped, such as
   * NAdam's muProduct, by name, each with its valid range. State with a
   * step count of 1 or more must hold each one within its range. Default: none.
   */
  scalars?: Readonly<Record<string, NumberOptionSpec>>;
  /**
   * Keys that {@link Optimizer.initGroup} adds to a group and every step
   * reads, such as AdaBound's lrAtConstruction. A group, saved or live,
   * must hold each one as a finite number. Default: none.
   */
  groupScalars?: readonly string[];
}

/**
 * The base class of every optimizer. It owns parameter groups, per-parameter
 * state and step counts, state save and load, and the input checks that run
 * before anything changes. A subclass supplies option specs, state creation
 * and one update kernel.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options in force for each group of parameters. Change `lr` here between steps. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** The options given at construction, completed with the algorithm's defaults. */
  readonly defaults: O;
  /**
   * Per-parameter state, created at a parameter's first step.
   *
   * NOTE: with the wasm kernel backend, the buffers of float32 parameters
   * are views of descent's WebAssembly memory, which detach when the memory
   * grows (new state, `Parameter.allocate`). The buffer records always hold
   * live views, so read them from here again instead of keeping the arrays.
   */
  readonly state = new Map<Parameter, ParamState>();
  /** Steps skipped because a gradient held NaN or ±Infinity (with `skipNonFinite`). */
  skippedSteps = 0;

  protected readonly description: AlgorithmDescription;
  private readonly skipNonFinite: boolean;
  private readonly onWarning: (message: string) => void;
  private readonly warned = new Set<string>();
  private readonly specEntries: ReadonlyArray<readonly [string, OptionSpec]>;

  protected constructor(
    description: AlgorithmDescription,
    params: readonly Parameter[] | readonly ParamGroupInput<O>[],
    options: Partial<O> & OptimizerSettings,
  ) {
    this.description = description;
    this.specEntries = Object.entries(description.specs);
    const where = description.displayName;
    checkOptionsObject(where, description.specs, options);
    const { skipNonFinite = false, onWarning, ...hyper } = options;
    if (typeof skipNonFinite !== "boolean") {
      throw new TypeError(
        `${where}: skipNonFinite must be true or false, got ${describeValue(skipNonFinite)}.`,
      );
    }
    if (onWarning !== undefined && typeof onWarning !== "function") {
      throw new TypeError(
        `${where}: onWarning must be a function (message: string) => void, got ${describeValue(onWarning)}.`,
      );
    }
    this.skipNonFinite = skipNonFinite;
    this.onWarning =
      onWarning ?? ((message) => globalThis.console?.warn(message));
    this.defaults = resolveOptions(
      where,
      description.specs,
      hyper,
    ) as unknown as O;
    this.checkCombination(this.defaults, where);

    for (const group of normalizeGroups(where, params))
      this.addParamGroup(group);
  }

  /** Lowercase algorithm name, e.g. `"adam"`. */
  get algorithm(): string {
    return this.description.algorithm;
  }

  /**
   * Adds a group of parameters with its own option overrides; the rest come
   * from {@link defaults}.
   * @throws TypeError if a parameter is already in this optimizer or an option is invalid.
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `${this.description.displayName} group ${this.paramGroups.length}`;
    if (group === null || typeof group !== "object") {
      throw new TypeError(
        `${where}: a parameter group must be an object { params, ...options }, got ${describeValue(group)}. ` +
          `Pass { params: [w, b] } with any options to override.`,
      );
    }
    const { params, ...overrides } = group;
    if (!Array.isArray(params) || params.length === 0) {
      throw new TypeError(
        `${where}: params must be a non-empty array of Parameter, got ${describeValue(params)}. ` +
          `Pass at least one Parameter.`,
      );
    }
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((param, index) => {
      if (!(param instanceof Parameter)) {
        throw new TypeError(
          `${where}: params[${index}] must be a Parameter, got ${describeValue(param)}. ` +
            `Wrap arrays with new Parameter(data).`,
        );
      }
      if (seen.has(param)) {
        throw new TypeError(
          `${where}: params[${index}]${param.name ? ` ("${param.name}")` : ""} is listed twice; ` +
            `each parameter may appear in one group only, once. Remove the duplicate.`,
        );
      }
      seen.add(param);
    });
    const resolved = resolveOptions(
      where,
      this.description.specs,
      overrides,
      this.defaults as unknown as Record<string, unknown>,
    );
    this.checkCombination(resolved as unknown as O, where);
    const full = {
      ...overrides,
      ...resolved,
      params: [...params],
    } as ParamGroup<O>;
    this.initGroup(full);
    this.paramGroups.push(full);
  }

  /**
   * Performs one optimization step on every parameter whose `grad` is not null.
   *
   * All inputs are checked first: group options, each gradient's type and
   * length, and that every gradient element is finite. A failed check throws
   * before any parameter or state changes.
   *
   * @param closure Optional function that recomputes the gradients and returns the loss.
   * @returns The closure's loss, or `undefined` without a closure.
   * @throws RangeError for an option out of range or a non-finite gradient.
   * @throws TypeError for a gradient of the wrong type or length, data whose
   *   type or length no longer matches its state, or a group whose `params`
   *   is not an array of distinct Parameters.
   */
  step(closure?: () => number): number | undefined {
    const loss = closure?.();
    const seen = new Set<Parameter>();
    for (let g = 0; g < this.paramGroups.length; g++) this.checkGroup(g, seen);
    const kernels = this.beginKernelStep();
    try {
      if (!this.checkGradients()) return loss;
      this.prepareState();

      for (const group of this.paramGroups) {
        for (const param of group.params) {
          const grad = param.grad;
          if (grad === null) continue;
          const state = this.state.get(param) as ParamState;
          state.step += 1;
          this.update(param.data, grad, state, group);
        }
      }
    } finally {
      kernels?.endStep();
    }
    return loss;
  }

  /**
   * Lets the wasm kernels copy each float32 gradient outside descent's
   * memory once per step, during the finiteness check, instead of once for
   * the check and once for the update.
   * @returns The kernels, or null when no float32 parameter has a gradient or the backend is js.
   */
  private beginKernelStep(): ReturnType<typeof activeFloat32Kernels> {
    const kernels = this.hasFloat32Gradient() ? activeFloat32Kernels() : null;
    kernels?.beginStep(this.paramGroups);
    return kernels;
  }

  /** Tells whether a float32 parameter has a float32 gradient. */
  private hasFloat32Gradient(): boolean {
    for (const group of this.paramGroups) {
      for (const { data, grad } of group.params) {
        if (data instanceof Float32Array && grad instanceof Float32Array)
          return true;
      }
    }
    return false;
  }

  /**
   * Moves this optimizer's state out of descent's WebAssembly memory into
   * ordinary arrays and frees that memory, for an optimizer you no longer
   * step or before building a large new one. The optimizer stays usable: a
   * later float32 step with the wasm backend moves its state back. It also
   * frees the block (at most 64 MiB) in which steps copy gradients held in
   * ordinary arrays, which every optimizer shares and the next such step
   * allocates again.
   *
   * State in WebAssembly memory is also freed when the optimizer is
   * garbage-collected, but a collection may come late, since the engine does
   * not count that memory as its own.
   */
  dispose(): void {
    const kernels = loadedFloat32Kernels();
    if (kernels === null) return;
    for (const state of this.state.values())
      kernels.residents.releaseAll(state.buffers);
    // The block that holds a step's copies of gradients from ordinary arrays
    // is shared by all optimizers, and the next step that needs it allocates it again.
    kernels.releaseStaging();
  }

  /** Sets every gradient to zero, or to `null` with `setToNone`. */
  zeroGrad(setToNone = false): void {
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        if (setToNone) param.grad = null;
        else param.grad?.fill(0);
      }
    }
  }

  /**
   * Returns the optimizer's state as a JSON-safe object. Buffers are stored
   * bit-exactly, so `loadStateDict(JSON.parse(JSON.stringify(saved)))` continues
   * exactly as the original would.
   */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict["state"] = {};
    let index = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      const indices = params.map((param) => {
        const entry = this.state.get(param);
        if (entry) {
          const buffers: Record<string, EncodedArray> = {};
          for (const [name, buffer] of Object.entries(entry.buffers)) {
            buffers[name] = encodeArray(buffer);
          }
          state[String(index)] = {
            step: entry.step,
            scalars: { ...entry.scalars },
            buffers,
          };
        }
        return index++;
      });
      return { ...cloneJson(options), params: indices };
    });
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      algorithm: this.description.algorithm,
      skippedSteps: this.skippedSteps,
      paramGroups,
      state,
    };
  }

  /**
   * Replaces group options and per-parameter state with a saved state dict.
   * Everything is checked before anything is replaced.
   * @throws StateDictError for a dict of another format, version, algorithm,
   *   group layout, parameter shape or element type.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const where = `${this.description.displayName}.loadStateDict`;
    const fail = (problem: string, fix: string): never => {
      throw new StateDictError(`${where}: ${problem}. ${fix}`);
    };
    if (dict === null || typeof dict !== "object") {
      fail(
        `expected a state dict object, got ${describeValue(dict)}`,
        "Pass what stateDict() returned",
      );
    }
    if (dict.format !== STATE_FORMAT || dict.version !== STATE_VERSION) {
      fail(
        `expected format "${STATE_FORMAT}" version ${STATE_VERSION}, got ${describeValue(dict.format)} version ${describeValue(dict.version)}`,
        "Save the state with this version of descent's stateDict()",
      );
    }
    if (dict.algorithm !== this.description.algorithm) {
      fail(
        `the state dict was saved by "${dict.algorithm}" but this optimizer is "${this.description.algorithm}"`,
        `Load it into createOptimizer("${dict.algorithm}", ...) instead`,
      );
    }
    const groupCount = this.paramGroups.length;
    if (!Array.isArray(dict.paramGroups)) {
      fail(
        `paramGroups must be an array of ${groupCount} group${groupCount === 1 ? "" : "s"}, got ${describeValue(dict.paramGroups)}`,
        "Pass what stateDict() returned",
      );
    }
    if (dict.paramGroups.length !== groupCount) {
      fail(
        `the state dict has ${describeValue(dict.paramGroups?.length)} parameter groups but this optimizer has ${this.paramGroups.length}`,
        "Build the optimizer with the same groups as the one that was saved",
      );
    }
    const params = this.paramGroups.flatMap((group) => group.params);
    const newGroups = this.paramGroups.map((group, g) =>
      this.decodeGroup(dict.paramGroups[g], group, g, fail),
    );
    const skippedSteps = dict.skippedSteps ?? 0;
    if (!isCount(skippedSteps)) {
      fail(
        `skippedSteps must be ${COUNT_RANGE}, got ${describeValue(skippedSteps)}`,
        "Pass what stateDict() returned",
      );
    }
    if (
      dict.state === null ||
      typeof dict.state !== "object" ||
      Array.isArray(dict.state)
    ) {
      fail(
        `state must be an object keyed by parameter index, got ${describeValue(dict.state)}`,
        "Pass what stateDict() returned; a state dict saved before any step holds state: {}",
      );
    }
    const newState = new Map<Parameter, ParamState>();
    for (const [key, entry] of Object.entries(dict.state)) {
      if (String(Number.parseInt(key, 10)) !== key) {
        fail(
          `state key ${JSON.stringify(key)} is not a parameter index such as "0"`,
          "Pass what stateDict() returned",
        );
      }
      const param = params[Number(key)];
      if (param === undefined) {
        fail(
          `state entry ${key} has no parameter (this optimizer has ${params.length})`,
          "Build the optimizer with the same parameters",
        );
      }
      newState.set(param, this.decodeParamState(entry, param, key, fail));
    }

    this.paramGroups.forEach((group, g) => {
      for (const key of Object.keys(group))
        if (key !== "params") delete group[key];
      Object.assign(group, newGroups[g]);
    });
    this.state.clear();
    for (const [param, entry] of newState) this.state.set(param, entry);
    this.skippedSteps = skippedSteps;
  }

  /**
   * Creates the state of parameters stepping for the first time and, for
   * float32 parameters on the wasm backend, moves every state buffer into
   * descent's WebAssembly memory. This is the only place a step allocates,
   * and it runs before any parameter is read for the update: the memory may
   * grow here, which detaches views of it.
   */
  private prepareState(): void {
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        if (param.grad === null) continue;
        let state = this.state.get(param);
        if (state === undefined) {
          state = {
            step: 0,
            buffers: this.initState(param, group),
            scalars: {},
          };
          this.state.set(param, state);
        }
        const kernels = float32Kernels(param.data);
        if (kernels !== null && !kernels.adoptAll(state.buffers)) {
          this.warnOnce(
            "wasmMemory",
            `${this.description.displayName}.step: descent's WebAssembly memory is full (4 GiB at most), so some ` +
              `parameters are updated by the slower TypeScript loops. Call dispose() on optimizers you no longer use.`,
          );
        }
      }
    }
  }

  /** Sends `message` to the warning handler once per `kind` for this optimizer. */
  protected warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.onWarning(message);
  }

  /** Creates the buffers of one parameter, at its first step. */
  protected abstract initState(
    param: Parameter,
    group: ParamGroup<O>,
  ): Record<string, FloatArray>;

  /**
   * Updates `theta` in place from `grad` for one parameter; `state.step` already
   * counts this step. Runs only after every input check passed.
   */
  protected abstract update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<O>,
  ): void;

  /** Checks options that constrain each other; called for defaults, each group and each step. */
  protected checkCombination(_options: O, _where: string): void {}

  /** Adds algorithm-specific keys to a new group (AdaBound records its starting lr). */
  protected initGroup(_group: ParamGroup<O>): void {}

  /**
   * Checks a group's options and its `params`, which callers may have edited
   * since {@link addParamGroup}; `seen` collects parameters across groups.
   */
  private checkGroup(index: number, seen: Set<Parameter>): void {
    const group = this.paramGroups[index];
    const where = `${this.description.displayName} group ${index}`;
    if (!Array.isArray(group.params)) {
      throw new TypeError(
        `${where}: params must be an array of Parameter, got ${describeValue(group.params)}. ` +
          `Assign an array of the group's parameters.`,
      );
    }
    group.params.forEach((param, p) => {
      if (!(param instanceof Parameter)) {
        throw new TypeError(
          `${where}: params[${p}] must be a Parameter, got ${describeValue(param)}. ` +
            `Wrap arrays with new Parameter(data).`,
        );
      }
      if (seen.has(param)) {
        throw new TypeError(
          `${where}: params[${p}]${param.name ? ` ("${param.name}")` : ""} is listed twice; ` +
            `each parameter may appear in one group only, once. Remove the duplicate.`,
        );
      }
      seen.add(param);
    });
    for (const [name, spec] of this.specEntries) {
      checkOption(where, name, spec, group[name]);
    }
    const key = this.missingGroupScalar(group);
    if (key !== undefined) {
      const found = Object.hasOwn(group, key)
        ? describeValue(group[key])
        : "missing";
      throw new TypeError(
        `${where}: ${key} is ${found}, but every ${this.description.displayName} step reads it ` +
          `as a finite number, which addParamGroup() records. Keep the keys the optimizer adds to a group, ` +
          `or restore the group with loadStateDict().`,
      );
    }
    this.checkCombination(group, where);
  }

  /** Returns the first of the algorithm's group scalars that `group` is missing or has as a non-finite value. */
  private missingGroupScalar(
    group: Record<string, unknown>,
  ): string | undefined {
    return (this.description.groupScalars ?? []).find(
      (key) =>
        !isFiniteNumber(Object.hasOwn(group, key) ? group[key] : undefined),
    );
  }

  /**
   * Finds the first scalar that the state of a parameter with `step` steps
   * lacks, or whose value lies outside its valid range. Adapters that restore state
   * without {@link loadStateDict}, such as descent/tfjs, check it with this.
   * @returns The scalar's name, its value (`undefined` when missing) and its
   *   valid range in words, such as "a number in [0, 1)"; or undefined when
   *   every scalar that later steps read is valid. State of step 0 needs none.
   */
  findInvalidScalar(
    step: number,
    scalars: Readonly<Record<string, unknown>>,
  ): { name: string; value: unknown; expected: string } | undefined {
    if (step < 1) return undefined;
    for (const [name, spec] of Object.entries(this.description.scalars ?? {})) {
      const value = Object.hasOwn(scalars, name) ? scalars[name] : undefined;
      if (typeof value !== "number" || !isInRange(spec, value)) {
        return { name, value, expected: describeRange(spec) };
      }
    }
    return undefined;
  }

  /** Returns false when the step must be skipped because of a non-finite gradient. */
  private checkGradients(): boolean {
    const where = `${this.description.displayName}.step`;
    for (let g = 0; g < this.paramGroups.length; g++) {
      const params = this.paramGroups[g].params;
      for (let p = 0; p < params.length; p++) {
        const param = params[p];
        if (param.grad === null) continue;
        const label = param.name ? `"${param.name}"` : `${p} of group ${g}`;
        if (!isFloatArray(param.data)) {
          throw new TypeError(
            `${where}: parameter ${label}: data must be a Float32Array or Float64Array, got ${describeValue(param.data)}. ` +
              `Assign the values as a typed array, e.g. new Float32Array(values).`,
          );
        }
        checkGradMatches(
          param.data,
          param.grad,
          `${where}: parameter ${label}`,
        );
        const state = this.state.get(param);
        const scalar =
          state && this.findInvalidScalar(state.step, state.scalars);
        if (state && scalar !== undefined) {
          const found =
            scalar.value === undefined
              ? "missing"
              : describeValue(scalar.value);
          const ErrorType =
            typeof scalar.value === "number" ? RangeError : TypeError;
          throw new ErrorType(
            `${where}: parameter ${label} has taken ${state.step} step${state.step === 1 ? "" : "s"} but its ` +
              `scalar "${scalar.name}" is ${found}, and every later ${this.description.displayName} step reads it as ${scalar.expected}. Restore the state with ` +
              `loadStateDict(), or build a new optimizer to start afresh.`,
          );
        }
        const buffers = state?.buffers;
        for (const name in buffers) {
          if (buffers[name].constructor !== param.data.constructor) {
            throw new TypeError(
              `${where}: parameter ${label} now holds ${param.data.constructor.name} data but its state buffer "${name}" ` +
                `is a ${buffers[name].constructor.name}. Keep a parameter's element type fixed, or build a new ` +
                `optimizer for the converted parameter.`,
            );
          }
          if (buffers[name].length !== param.data.length) {
            throw new TypeError(
              `${where}: parameter ${label} now has ${param.data.length} elements but its state has ${buffers[name].length}. ` +
                `Keep a parameter's length fixed, or build a new optimizer for the resized parameter.`,
            );
          }
        }
        const bad =
          float32Kernels(param.grad)?.firstNonFinite(
            param.grad as Float32Array,
          ) ?? firstNonFinite(param.grad);
        if (bad < 0) continue;
        if (this.skipNonFinite) {
          this.skippedSteps += 1;
          this.warnOnce(
            "nonFinite",
            `${where}: skipped a step because the gradient of parameter ${label} holds ${param.grad[bad]} at index ${bad}. ` +
              `skippedSteps counts such steps.`,
          );
          return false;
        }
        throw new RangeError(
          `${where}: the gradient of parameter ${label} holds ${param.grad[bad]} at index ${bad}; ` +
            `every gradient element must be finite. Find where the loss or gradient overflows, ` +
            `or pass skipNonFinite: true to skip such steps.`,
        );
      }
    }
    return true;
  }

  private decodeGroup(
    saved: unknown,
    current: ParamGroup<O>,
    index: number,
    fail: (problem: string, fix: string) => never,
  ): Record<string, unknown> {
    if (saved === null || typeof saved !== "object") {
      fail(
        `paramGroups[${index}] is ${describeValue(saved)}, not an object`,
        "Pass what stateDict() returned",
      );
    }
    const { params, ...options } = saved as Record<string, unknown>;
    if (Object.hasOwn(options, "__proto__")) {
      fail(
        `group ${index} has the key "__proto__", which would replace the group's prototype`,
        "Pass what stateDict() returned",
      );
    }
    if (!Array.isArray(params) || params.length !== current.params.length) {
      fail(
        `group ${index} was saved with ${describeValue((params as unknown[] | undefined)?.length)} parameters but has ${current.params.length} here`,
        "Build the optimizer with the same parameters in each group",
      );
    }
    const missing = this.missingGroupScalar(options);
    if (missing !== undefined) {
      const found = Object.hasOwn(options, missing)
        ? describeValue(options[missing])
        : "missing";
      fail(
        `group ${index}: ${missing} is ${found}, but ${this.description.displayName} records a finite number there ` +
          `when a group is added and reads it at every step`,
        "The saved state is incomplete or altered; save it again with stateDict()",
      );
    }
    const where = `${this.description.displayName}.loadStateDict group ${index}`;
    try {
      for (const [name, spec] of this.specEntries)
        checkOption(where, name, spec, options[name]);
      this.checkCombination(options as unknown as O, where);
    } catch (error) {
      // The outer message names the group already, so drop the inner prefix.
      const message = (error as Error).message
        .replace(`${where}: `, "")
        .replace(/\.$/, "");
      fail(
        `group ${index} holds an invalid option: ${message}`,
        "Save the state again",
      );
    }
    return cloneJson(options);
  }

  private decodeParamState(
    entry: unknown,
    param: Parameter,
    key: string,
    fail: (problem: string, fix: string) => never,
  ): ParamState {
    const { step, scalars, buffers } = (entry ?? {}) as Record<string, unknown>;
    if (!isCount(step)) {
      fail(
        `state ${key} has step ${describeValue(step)}, not ${COUNT_RANGE}`,
        "Pass what stateDict() returned",
      );
    }
    const decoded: Record<string, FloatArray> = {};
    for (const [name, encoded] of Object.entries(
      (buffers ?? {}) as Record<string, EncodedArray>,
    )) {
      if (!this.description.buffers.includes(name)) {
        fail(
          `state ${key} has a buffer "${name}", which ${this.description.displayName} does not keep (it keeps ${this.description.buffers.join(", ")})`,
          "Load a state dict saved by the same algorithm",
        );
      }
      const array = decodeArray(encoded, `state ${key} buffer ${name}`, fail);
      if (
        dtypeOf(array) !== dtypeOf(param.data) ||
        array.length !== param.data.length
      ) {
        fail(
          `state ${key} buffer "${name}" is ${dtypeOf(array)}[${array.length}] but parameter ${key} is ${dtypeOf(param.data)}[${param.data.length}]`,
          "Load the state into parameters of the same shape and element type",
        );
      }
      decoded[name] = array;
    }
    const optional = this.description.optionalBuffers ?? [];
    const missing = this.description.buffers.filter(
      (name) => !optional.includes(name) && !Object.hasOwn(decoded, name),
    );
    if (missing.length > 0) {
      fail(
        `state ${key} lacks the buffer ${missing.join(", ")}, which every ${this.description.displayName} step reads`,
        "The saved state is incomplete; save it again with stateDict()",
      );
    }
    const numbers = this.decodeScalars(
      scalars,
      step as number,
      param,
      key,
      fail,
    );
    return { step: step as number, buffers: decoded, scalars: numbers };
  }

  private decodeScalars(
    scalars: unknown,
    step: number,
    param: Parameter,
    key: string,
    fail: (problem: string, fix: string) => never,
  ): Record<string, number> {
    const kept = Object.keys(this.description.scalars ?? {});
    const numbers: Record<string, number> = {};
    for (const [name, value] of Object.entries(
      (scalars ?? {}) as Record<string, unknown>,
    )) {
      if (typeof value !== "number" || !Number.isFinite(value))
        fail(
          `state ${key} scalar "${name}" is ${describeValue(value)}, not a finite number`,
          "Pass what stateDict() returned",
        );
      if (!kept.includes(name)) {
        fail(
          `state ${key} has a scalar "${name}", which ${this.description.displayName} does not keep ` +
            `(it keeps ${kept.length > 0 ? kept.join(", ") : "none"})`,
          "Load a state dict saved by the same algorithm",
        );
      }
      numbers[name] = value;
    }
    const invalid = this.findInvalidScalar(step, numbers);
    if (invalid !== undefined) {
      const g = this.paramGroups.findIndex((group) =>
        group.params.includes(param),
      );
      const p = this.paramGroups[g].params.indexOf(param);
      const name = param.name ? `, named "${param.name}"` : "";
      const steps = `${step} step${step === 1 ? "" : "s"}`;
      const where = `state ${key} (parameter ${p} of group ${g}${name})`;
      const reader = this.description.displayName;
      if (invalid.value === undefined) {
        fail(
          `${where} has taken ${steps} but is missing the scalar "${invalid.name}", which every later ${reader} step reads`,
          "The saved state is incomplete; save it again with stateDict()",
        );
      }
      fail(
        `${where} has taken ${steps} but its scalar "${invalid.name}" is ${describeValue(invalid.value)}, ` +
          `and every later ${reader} step reads it as ${invalid.expected}`,
        "The saved state is altered or was converted wrongly; save it again with stateDict()",
      );
    }
    return numbers;
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Tells whether `value` is a step count: an integer from 0 to 2^53 − 1. */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Returns the index of the first NaN or ±Infinity in `values`, or -1. */
function firstNonFinite(values: FloatArray): number {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x - x !== 0) return i;
  }
  return -1;
}

function normalizeGroups<O>(
  where: string,
  params: readonly Parameter[] | readonly ParamGroupInput<O>[],
): ParamGroupInput<O>[] {
  if (!Array.isArray(params) || params.length === 0) {
    throw new TypeError(
      `${where}: params must be a non-empty array of Parameter or of parameter groups, ` +
        `got ${describeValue(params)}. Pass [new Parameter(data), ...].`,
    );
  }
  const allGroups = params.every(
    (p) =>
      !(p instanceof Parameter) &&
      !isFloatArray(p) &&
      typeof p === "object" &&
      p !== null &&
      "params" in p,
  );
  if (allGroups) return params as ParamGroupInput<O>[];
  return [{ params: params as Parameter[] } as unknown as ParamGroupInput<O>];
}

function cloneJson(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

export { SETTING_NAMES };
