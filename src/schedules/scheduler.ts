import { Optimizer } from "../core/optimizer.js";
import { StateDictError, describeValue } from "../core/validation.js";
import { type JsonNumber, decodeNumber, encodeNumber } from "./internal/json.js";

/** Settings every scheduler accepts besides its own options. */
export interface SchedulerSettings {
  /**
   * Receives the warning sent when `step()` runs before the optimizer has
   * stepped (at most once per scheduler). Default: `console.warn`.
   */
  onWarning?: (message: string) => void;
}

/** The JSON-safe form of a scheduler's state, from `stateDict()`. */
export interface SchedulerStateDict {
  format: "descent-scheduler";
  version: 1;
  /** Class name of the scheduler that saved it, e.g. `"StepLR"`. */
  scheduler: string;
  /** The step counter k (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** Each group's learning rate after the last step. */
  lastLr: JsonNumber[];
  /** The options, except functions and inner schedulers, which are not saved. */
  options: Record<string, unknown>;
  /** Counters and per-group values of the scheduler, such as `baseLrs`. */
  state: Record<string, JsonNumber | JsonNumber[]>;
  /** SequentialLR and ChainedScheduler: the states of the inner schedulers, in order. */
  schedulers?: SchedulerStateDict[];
}

const FORMAT = "descent-scheduler";
const VERSION = 1;

/**
 * Keys of the methods through which SequentialLR and ChainedScheduler drive
 * their inner schedulers. Symbols keep them off the public surface.
 */
export const ADVANCE = Symbol("advance");
export const CHECK_ADVANCE = Symbol("checkAdvance");
export const INITIAL_STEP = Symbol("initialStep");
export const RESTART = Symbol("restart");
export const UNDO_INITIAL_STEP = Symbol("undoInitialStep");
export const PREPARE_LOAD = Symbol("prepareLoad");

/** Throws a StateDictError built from a problem and a fix. */
export type Fail = (problem: string, fix: string) => never;

/** Counts the optimizer's parameter steps, including steps skipped for non-finite gradients. */
function countOptimizerSteps(optimizer: Optimizer): number {
  let total = optimizer.skippedSteps;
  for (const entry of optimizer.state.values()) total += entry.step;
  return total;
}

/** Tells whether an option value cannot be saved as JSON: a function, or a list of functions or schedulers. */
function isLiveOption(value: unknown): boolean {
  if (typeof value === "function") return true;
  return Array.isArray(value) && value.some((v) => typeof v === "function" || v instanceof SchedulerBase);
}

/**
 * The base of every scheduler: the optimizer it drives, its checked options,
 * the last learning rates, state save and load, and the step-order warning.
 */
export abstract class SchedulerBase<O extends object = object> {
  /** The optimizer whose parameter groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer;
  /** The checked options, with defaults filled in and per-group values expanded. */
  protected options: O;
  /** The step counter k (PyTorch's `last_epoch`). */
  protected k = 0;
  protected lastLr: number[] = [];
  protected readonly className: string;
  private readonly onWarning: (message: string) => void;
  private readonly stepsAtConstruction: number;
  private orderChecked = false;

  /**
   * Checks the optimizer and the options; changes nothing. Subclasses that set
   * learning rates at construction do so after this returns.
   */
  protected constructor(className: string, optimizer: unknown, given: unknown) {
    this.className = className;
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(
        `${className}: optimizer must be a descent Optimizer such as SGD or Adam, got ${describeValue(optimizer)}. ` +
          `Build the optimizer first and pass it as the first argument.`,
      );
    }
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
      throw new TypeError(
        `${className}: options must be an object, got ${describeValue(given)}. Pass them as { name: value, ... }.`,
      );
    }
    const { onWarning, ...rest } = given as Record<string, unknown> & SchedulerSettings;
    if (onWarning !== undefined && typeof onWarning !== "function") {
      throw new TypeError(
        `${className}: onWarning must be a function (message: string) => void, got ${describeValue(onWarning)}. ` +
          `Pass a function, or leave it out to use console.warn.`,
      );
    }
    this.optimizer = optimizer;
    this.options = this.parseOptions(rest, className);
    this.onWarning = onWarning ?? ((message) => globalThis.console?.warn(message));
    this.stepsAtConstruction = countOptimizerSteps(optimizer);
  }

  /** The step counter k: 0 after construction, one more after each `step()`. */
  get lastEpoch(): number {
    return this.k;
  }

  /** Returns each parameter group's learning rate as the last step (or the constructor) set it. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Returns the scheduler's state as a JSON-safe object. Functions (such as
   * LambdaLR's `lrLambda`) are not saved; the scheduler that loads the state
   * keeps its own. Save the optimizer's state too, because it contains the learning rates.
   */
  stateDict(): SchedulerStateDict {
    const options: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.options)) {
      if (value !== undefined && !isLiveOption(value)) options[name] = value;
    }
    const state: SchedulerStateDict["state"] = {};
    for (const [name, value] of Object.entries(this.saveState())) {
      state[name] = Array.isArray(value) ? value.map(encodeNumber) : encodeNumber(value);
    }
    return {
      format: FORMAT,
      version: VERSION,
      scheduler: this.className,
      lastEpoch: this.k,
      lastLr: this.lastLr.map(encodeNumber),
      options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>,
      state,
    };
  }

  /**
   * Restores counters and options from a state dict, as PyTorch's
   * `load_state_dict` does. Load the optimizer's state first: the learning
   * rates and each group's `initialLr` live there. Everything is checked
   * before anything is replaced.
   * @throws StateDictError for a dict of another format, version or scheduler
   *   class, or one whose values do not fit this optimizer.
   */
  loadStateDict(dict: SchedulerStateDict): void {
    this[PREPARE_LOAD](dict, `${this.className}.loadStateDict`)();
  }

  /** Checks `dict` and returns a function that applies it; the wrappers check every inner dict first. */
  [PREPARE_LOAD](dict: unknown, where: string): () => void {
    const fail: Fail = (problem, fix) => {
      throw new StateDictError(`${where}: ${problem}. ${fix}`);
    };
    if (dict === null || typeof dict !== "object") {
      fail(`expected a state dict object, got ${describeValue(dict)}`, "Pass what stateDict() returned");
    }
    const saved = dict as Partial<SchedulerStateDict>;
    if (saved.format !== FORMAT || saved.version !== VERSION) {
      fail(
        `expected format "${FORMAT}" version ${VERSION}, got ${describeValue(saved.format)} version ${describeValue(saved.version)}`,
        "Pass what a scheduler's stateDict() returned; an optimizer's state goes to optimizer.loadStateDict()",
      );
    }
    if (saved.scheduler !== this.className) {
      fail(
        `the state dict was saved by ${describeValue(saved.scheduler)} but this scheduler is ${this.className}`,
        `Load it into a ${String(saved.scheduler)} built on the same optimizer`,
      );
    }
    const lastEpoch = saved.lastEpoch as number;
    // Beyond 2^53 − 1, adding 1 no longer changes the counter.
    if (!Number.isSafeInteger(lastEpoch) || lastEpoch < -1) {
      fail(
        `lastEpoch must be an integer in [-1, ${Number.MAX_SAFE_INTEGER}], got ${describeValue(lastEpoch)}`,
        "Pass what stateDict() returned",
      );
    }
    const lastLr = readNumbers({ lastLr: saved.lastLr }, "lastLr", this.optimizer.paramGroups.length, fail);
    const options = this.decodeOptions(saved.options, fail);
    if (saved.state === null || typeof saved.state !== "object") {
      fail(`state must be an object, got ${describeValue(saved.state)}`, "Pass what stateDict() returned");
    }
    const applyState = this.prepareState(saved.state as Record<string, unknown>, fail, saved);
    return () => {
      this.options = options;
      this.k = lastEpoch;
      this.lastLr = lastLr;
      applyState();
      this.orderChecked = true;
    };
  }

  /** Checks and completes the options given to the constructor (or saved in a state dict). Pure. */
  protected abstract parseOptions(given: Record<string, unknown>, where: string): O;

  /** Counters and per-group values to save besides `lastEpoch` and `lastLr`. */
  protected saveState(): Record<string, number | number[]> {
    return {};
  }

  /**
   * Checks the saved counters and returns a function that applies them.
   * @param dict The whole state dict, for the wrappers' inner states.
   */
  protected prepareState(_saved: Record<string, unknown>, _fail: Fail, _dict: Partial<SchedulerStateDict>): () => void {
    return () => {};
  }

  /** Sends the step-order warning if the optimizer has not stepped since construction; checks once. */
  protected checkStepOrder(): void {
    if (this.orderChecked) return;
    this.orderChecked = true;
    if (countOptimizerSteps(this.optimizer) !== this.stepsAtConstruction) return;
    this.onWarning(
      `${this.className}.step() was called before the optimizer took a step. Call optimizer.step() first ` +
        `and ${this.className}.step() after it; in the other order the first learning rate of the schedule is never used.`,
    );
  }

  /** @throws RangeError when parameter groups were added to the optimizer after the scheduler was built. */
  protected checkGroupCount(where: string): void {
    const groups = this.optimizer.paramGroups.length;
    if (groups !== this.lastLr.length) {
      throw new RangeError(
        `${where}: the optimizer has ${groups} parameter groups but the scheduler was built for ${this.lastLr.length}. ` +
          `Build the scheduler after adding every parameter group.`,
      );
    }
  }

  /** Records each group's current lr as the last learning rates. */
  protected recordLastLr(): void {
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  private decodeOptions(saved: unknown, fail: Fail): O {
    if (saved === null || typeof saved !== "object" || Array.isArray(saved)) {
      fail(`options must be an object, got ${describeValue(saved)}`, "Pass what stateDict() returned");
    }
    const live: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.options)) if (isLiveOption(value)) live[name] = value;
    try {
      return this.parseOptions({ ...(saved as Record<string, unknown>), ...live }, this.className);
    } catch (error) {
      return fail(`its options are invalid: ${(error as Error).message}`, "Save the state again with stateDict()");
    }
  }
}

/**
 * The base class of the schedulers that set the learning rate from a step
 * counter k, like PyTorch 1.13's `_LRScheduler`. Every one of them can sit
 * inside {@link SequentialLR} and {@link ChainedScheduler}.
 *
 * A subclass checks its options in `parseOptions`, computes the new learning
 * rates in `computeLrs`, and calls `start()` at the end of its constructor:
 * `start()` records each group's base learning rate and performs step 0.
 */
export abstract class LRScheduler<O extends object = object> extends SchedulerBase<O> {
  /**
   * Each group's base learning rate: the group's `initialLr`, which the first
   * scheduler attached to the optimizer sets to the group's lr at that time.
   */
  protected baseLrs: number[] = [];

  /**
   * Advances the step counter by one and sets every group's lr. Call it after
   * `optimizer.step()`; called before the optimizer's first step, it sends a
   * warning (once). Checks run before the warning and before anything changes.
   * @throws RangeError when parameter groups were added after construction,
   *   or after OneCycleLR's last step; TypeError or RangeError when a LambdaLR
   *   function or a CyclicLR `scaleFn` returns an invalid value.
   */
  step(): void {
    this[CHECK_ADVANCE]();
    this.checkStepOrder();
    this[ADVANCE]();
  }

  /** Throws if the next step is not allowed; changes nothing. */
  [CHECK_ADVANCE](): void {
    this.checkGroupCount(`${this.className}.step`);
    this.checkCanAdvance();
  }

  [ADVANCE](): void {
    this[CHECK_ADVANCE]();
    this.moveCounters(
      () => this.advanceCounters(),
      () => this.computeLrs(),
    );
  }

  /** Step 0: the rule for k = 0 applied to the current learning rates. */
  [INITIAL_STEP](): void {
    this.moveCounters(
      () => this.resetCounters(),
      () => this.computeLrs(),
    );
  }

  /** Starts over at k = 0 from the base learning rates (SequentialLR at a milestone). */
  [RESTART](): void {
    this.moveCounters(
      () => this.resetCounters(),
      () => this.closedFormLrs(),
    );
  }

  /** Takes back step 0, as SequentialLR's constructor does with every inner scheduler. */
  [UNDO_INITIAL_STEP](): void {
    this.k -= 1;
  }

  /**
   * Records the base learning rates and performs step 0. Checks every group
   * and computes the new learning rates before it changes any group's lr.
   * @param prepareGroups Runs after the checks, before the base learning
   *   rates are read: CyclicLR and OneCycleLR set their starting values here.
   * @throws TypeError for a group whose `initialLr` is not a number >= 0, or
   *   what a user function throws at k = 0.
   */
  protected start(prepareGroups?: () => void): void {
    const groups = this.optimizer.paramGroups;
    groups.forEach((group, g) => {
      const initial = group.initialLr;
      if (initial !== undefined && !(typeof initial === "number" && Number.isFinite(initial) && initial >= 0)) {
        throw new TypeError(
          `${this.className}: parameter group ${g} has initialLr ${describeValue(initial)}, which must be a number >= 0. ` +
            `The first scheduler on an optimizer sets it to the group's lr; delete it to start from the current lr.`,
        );
      }
    });
    prepareGroups?.();
    const missing = groups.map((group) => group.initialLr === undefined);
    const initialLrs = groups.map((group) => (group.initialLr as number | undefined) ?? group.lr);
    this.baseLrs = this.chooseBaseLrs(initialLrs);
    this[INITIAL_STEP]();
    groups.forEach((group, g) => {
      if (missing[g]) group.initialLr = initialLrs[g];
    });
  }

  /** Picks the base learning rates; by default each group's `initialLr`. */
  protected chooseBaseLrs(initialLrs: number[]): number[] {
    return initialLrs;
  }

  /** Returns each group's new lr for the current k. May also set momentum (the cyclic schedules). */
  protected abstract computeLrs(): number[];

  /** Returns the lr at the current k from the base learning rates; defaults to `computeLrs`. */
  protected closedFormLrs(): number[] {
    return this.computeLrs();
  }

  protected resetCounters(): void {
    this.k = 0;
  }

  protected advanceCounters(): void {
    this.k += 1;
  }

  /** Throws if one more step is not allowed; runs before anything changes. */
  protected checkCanAdvance(): void {}

  /**
   * Moves the counters and sets the new learning rates. If computing them
   * throws, k goes back and no lr changes. Only k is restored, because the
   * schedulers that run user code while computing (LambdaLR, CyclicLR with a
   * `scaleFn`) keep no other counter.
   */
  private moveCounters(move: () => void, compute: () => number[]): void {
    const k = this.k;
    move();
    let lrs: number[];
    try {
      lrs = compute();
    } catch (error) {
      this.k = k;
      throw error;
    }
    this.setLrs(lrs);
  }

  protected setLrs(lrs: readonly number[]): void {
    this.optimizer.paramGroups.forEach((group, g) => {
      group.lr = lrs[g];
    });
    this.recordLastLr();
  }

  protected override saveState(): Record<string, number | number[]> {
    return { baseLrs: [...this.baseLrs] };
  }

  protected override prepareState(saved: Record<string, unknown>, fail: Fail): () => void {
    const baseLrs = readNumbers(saved, "baseLrs", this.optimizer.paramGroups.length, fail);
    return () => {
      this.baseLrs = baseLrs;
    };
  }
}

/** Reads one saved number (JSON-safe form); fails unless `isValid` accepts it. */
export function readNumber(
  saved: Record<string, unknown>,
  name: string,
  fail: Fail,
  isValid: (value: number) => boolean = Number.isFinite,
): number {
  const value = decodeNumber(saved[name]);
  if (value === undefined || !isValid(value)) {
    fail(`state ${name} is ${describeValue(saved[name])}, which is not valid here`, "Pass what stateDict() returned");
  }
  return value as number;
}

/** Reads a saved array of `length` learning rates: finite numbers >= 0. */
export function readNumbers(saved: Record<string, unknown>, name: string, length: number, fail: Fail): number[] {
  const value = saved[name];
  if (!Array.isArray(value) || value.length !== length) {
    fail(
      `${name} must be an array of ${length} numbers (one per parameter group), got ${describeValue(value)}`,
      "Load the state into a scheduler on an optimizer with the same parameter groups",
    );
  }
  const isRate = (rate: number) => Number.isFinite(rate) && rate >= 0;
  return (value as unknown[]).map((entry, g) => readNumber({ [`${name}[${g}]`]: entry }, `${name}[${g}]`, fail, isRate));
}
