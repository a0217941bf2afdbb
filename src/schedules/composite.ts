import type { Optimizer } from "../core/optimizer.js";
import { StateDictError, describeValue, invalidCombination } from "../core/validation.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { ReduceLROnPlateau } from "./plateau.js";
import {
  ADVANCE,
  CHECK_ADVANCE,
  type Fail,
  INITIAL_STEP,
  LRScheduler,
  PREPARE_LOAD,
  RESTART,
  SchedulerBase,
  type SchedulerSettings,
  type SchedulerStateDict,
  UNDO_INITIAL_STEP,
} from "./scheduler.js";

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  /** The schedulers to run one after another, built on the same optimizer. Required. */
  schedulers: LRScheduler[];
  /** Step counts at which each next scheduler takes over; one fewer than `schedulers`, increasing integers >= 1. Required. */
  milestones: number[];
}

/** Options of {@link ChainedScheduler}. */
export interface ChainedSchedulerOptions {
  /** The schedulers to step together, in order, built on the same optimizer. Required. */
  schedulers: LRScheduler[];
}

const SEQUENTIAL_SPECS: SchedulerOptionSpecs = {
  schedulers: { type: "schedulers", description: "schedulers to run one after another" },
  milestones: { type: "integers", min: 1, increasing: true, example: [5], description: "where each next scheduler takes over" },
};

const CHAINED_SPECS: SchedulerOptionSpecs = {
  schedulers: { type: "schedulers", description: "schedulers to step together" },
};

/**
 * Runs several schedulers one after another: the first until the first
 * milestone, the second from there to the next milestone, and so on. Each
 * scheduler counts its own steps from 0 at its milestone and starts from the
 * base learning rates, not from where the previous one stopped.
 *
 * ```text
 * construction:  lr ← base;  S0 takes step 0 (its rule for k = 0)
 * step:          n ← n + 1;  i = number of milestones <= n
 *                n = Mi:  Si restarts: k ← 0, lr ← Si's closed form at k = 0 (from base)
 *                else:    Si takes its ordinary step
 * ```
 *
 * Build the inner schedulers first, on the same optimizer, then the wrapper;
 * step only the wrapper.
 *
 * Options: `schedulers` S0, S1, … (required), `milestones` M1 < M2 < …
 * (required, one fewer than the schedulers), and {@link SchedulerSettings}.
 *
 * @throws TypeError for a missing option or an entry that is not a scheduler
 *   of this package; RangeError for milestones that are not increasing
 *   integers >= 1 or do not number one fewer than the schedulers, and for a
 *   scheduler built on another optimizer, listed twice, or of a kind that
 *   cannot sit inside (ReduceLROnPlateau, SequentialLR, ChainedScheduler).
 * @remarks Follows PyTorch 1.13's `SequentialLR`, including its restart of
 *   each scheduler from the base learning rate at its milestone (PyTorch calls
 *   `step(0)`, which uses the closed form). Nesting a SequentialLR or
 *   ChainedScheduler inside another is not supported.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   opt.step();
 *   sched.step(); // warmup from 0.01 to 0.1 over 5 steps, then a cosine down to 0
 * }
 * sched.getLastLr(); // [0]
 * ```
 * @see PyTorch 1.13 `SequentialLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.SequentialLR.html
 * @see Plot: docs/schedules/SequentialLR.svg
 */
export class SequentialLR extends SchedulerBase<SequentialLROptions> {
  constructor(optimizer: Optimizer, options: SequentialLROptions & SchedulerSettings) {
    super("SequentialLR", optimizer, options);
    const [first, ...rest] = this.options.schedulers;
    const groups = this.optimizer.paramGroups;
    const lrs = groups.map((group) => group.lr);
    groups.forEach((group) => {
      group.lr = group.initialLr as number;
    });
    try {
      first[INITIAL_STEP]();
    } catch (error) {
      groups.forEach((group, g) => {
        group.lr = lrs[g];
      });
      throw error;
    }
    for (const scheduler of rest) scheduler[UNDO_INITIAL_STEP]();
    this.recordLastLr();
  }

  /**
   * Advances the step count n by one and steps the scheduler in charge at n
   * (restarting it at its milestone). Call it after `optimizer.step()`; called
   * before the optimizer's first step, it sends a warning (once).
   * @throws RangeError when parameter groups were added after construction,
   *   or when the scheduler in charge cannot step (OneCycleLR past its end).
   */
  step(): void {
    this.checkGroupCount("SequentialLR.step");
    this.checkStepOrder();
    const n = this.k + 1;
    const { schedulers, milestones } = this.options;
    const i = milestones.filter((milestone) => milestone <= n).length;
    const scheduler = schedulers[i];
    if (i > 0 && milestones[i - 1] === n) scheduler[RESTART]();
    else scheduler[ADVANCE]();
    this.k = n;
    this.recordLastLr();
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.options.schedulers.map((s) => s.stateDict()) };
  }

  protected parseOptions(given: Record<string, unknown>, where: string): SequentialLROptions {
    const groups = this.optimizer.paramGroups.length;
    const options = resolveSchedulerOptions(where, SEQUENTIAL_SPECS, given, groups) as unknown as SequentialLROptions;
    checkInnerSchedulers(where, this.optimizer, options.schedulers);
    this.optimizer.paramGroups.forEach((group, g) => {
      if (typeof group.initialLr !== "number") {
        invalidCombination(
          where,
          `parameter group ${g} has no initialLr, the base lr that the inner schedulers set when they are built`,
          "Build the inner schedulers on this optimizer before the SequentialLR, and leave initialLr in place",
        );
      }
    });
    if (options.milestones.length !== options.schedulers.length - 1) {
      invalidCombination(
        where,
        `milestones must have one entry fewer than schedulers, got ${options.milestones.length} milestones for ${options.schedulers.length} schedulers`,
        "Give one milestone for each scheduler after the first, e.g. milestones: [5] for [warmup, decay]",
      );
    }
    return options;
  }

  protected override prepareState(_saved: Record<string, unknown>, fail: Fail, dict: Partial<SchedulerStateDict>): () => void {
    return prepareInnerStates(this.options.schedulers, dict, fail, "SequentialLR.loadStateDict");
  }
}

/**
 * Steps several schedulers together: each `step()` steps every one of them in
 * order, each starting from the lr the previous one left, so their factors
 * multiply.
 *
 * ```text
 * construction:  nothing (the inner constructors have already acted, in order)
 * step:          for S in schedulers: S takes its ordinary step
 * ```
 *
 * Build the inner schedulers first, on the same optimizer, then the wrapper;
 * step only the wrapper.
 *
 * Options: `schedulers` (required), and {@link SchedulerSettings}.
 *
 * @throws TypeError for a missing option or an entry that is not a scheduler
 *   of this package; RangeError for a scheduler built on another optimizer,
 *   listed twice, or of a kind that cannot sit inside (ReduceLROnPlateau,
 *   SequentialLR, ChainedScheduler).
 * @remarks Follows PyTorch 1.13's `ChainedScheduler`, which takes only the
 *   list of schedulers. Here the optimizer comes first, as for every other
 *   scheduler, and the inner schedulers must be built on it. The chainable schedulers (StepLR,
 *   MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
 *   CosineAnnealingLR) combine as described; the others set the lr from
 *   scratch and override what came before them. Every inner scheduler is
 *   checked before any steps, but if a LambdaLR function or a CyclicLR
 *   `scaleFn` throws, the schedulers before it have already stepped.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 1 });
 * const constant = new ConstantLR(opt, { factor: 0.1, totalIters: 2 });
 * const decay = new ExponentialLR(opt, { gamma: 0.9 });
 * const sched = new ChainedScheduler(opt, { schedulers: [constant, decay] });
 * sched.getLastLr(); // [0.1]
 * opt.step(); sched.step(); // 0.09
 * opt.step(); sched.step(); // 0.81: the constant factor ends
 * ```
 * @see PyTorch 1.13 `ChainedScheduler`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ChainedScheduler.html
 * @see Plot: docs/schedules/ChainedScheduler.svg
 */
export class ChainedScheduler extends SchedulerBase<ChainedSchedulerOptions> {
  constructor(optimizer: Optimizer, options: ChainedSchedulerOptions & SchedulerSettings) {
    super("ChainedScheduler", optimizer, options);
    this.recordLastLr();
  }

  /**
   * Steps every inner scheduler in order. Call it after `optimizer.step()`;
   * called before the optimizer's first step, it sends a warning (once).
   * @throws RangeError when parameter groups were added after construction,
   *   or when an inner scheduler cannot step (OneCycleLR past its end).
   */
  step(): void {
    this.checkGroupCount("ChainedScheduler.step");
    const { schedulers } = this.options;
    for (const scheduler of schedulers) scheduler[CHECK_ADVANCE]();
    this.checkStepOrder();
    for (const scheduler of schedulers) scheduler[ADVANCE]();
    this.k += 1;
    this.recordLastLr();
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.options.schedulers.map((s) => s.stateDict()) };
  }

  protected parseOptions(given: Record<string, unknown>, where: string): ChainedSchedulerOptions {
    const groups = this.optimizer.paramGroups.length;
    const options = resolveSchedulerOptions(where, CHAINED_SPECS, given, groups) as unknown as ChainedSchedulerOptions;
    checkInnerSchedulers(where, this.optimizer, options.schedulers);
    return options;
  }

  protected override prepareState(_saved: Record<string, unknown>, fail: Fail, dict: Partial<SchedulerStateDict>): () => void {
    return prepareInnerStates(this.options.schedulers, dict, fail, "ChainedScheduler.loadStateDict");
  }
}

/** Checks that every inner scheduler can be driven by a wrapper on `optimizer`. */
function checkInnerSchedulers(where: string, optimizer: Optimizer, schedulers: readonly unknown[]): void {
  schedulers.forEach((scheduler, i) => {
    const label = `schedulers[${i}]`;
    if (scheduler instanceof ReduceLROnPlateau) {
      invalidCombination(
        where,
        `${label} is a ReduceLROnPlateau, which cannot sit inside because its step() needs a metric`,
        "Step it on its own with step(metric)",
      );
    }
    if (scheduler instanceof SchedulerBase && !(scheduler instanceof LRScheduler)) {
      invalidCombination(
        where,
        `${label} is a ${scheduler.constructor.name}; nesting one wrapper inside another is not supported`,
        "List the inner schedulers of both in one wrapper",
      );
    }
    if (!(scheduler instanceof LRScheduler)) {
      throw new TypeError(
        `${where}: ${label} must be a scheduler such as LinearLR or CosineAnnealingLR, got ${describeValue(scheduler)}. ` +
          `Build each inner scheduler with new on the same optimizer.`,
      );
    }
    if (scheduler.optimizer !== optimizer) {
      invalidCombination(
        where,
        `${label} (${scheduler.constructor.name}) was built on another optimizer`,
        "Build every inner scheduler on the optimizer given to the wrapper",
      );
    }
    if (schedulers.indexOf(scheduler) !== i) {
      invalidCombination(where, `${label} is the same scheduler as schedulers[${schedulers.indexOf(scheduler)}]`, "List each scheduler once");
    }
  });
}

/** Checks the saved inner states and returns a function that applies all of them. */
function prepareInnerStates(
  schedulers: readonly LRScheduler[],
  dict: Partial<SchedulerStateDict>,
  fail: Fail,
  where: string,
): () => void {
  const saved = dict.schedulers;
  if (!Array.isArray(saved) || saved.length !== schedulers.length) {
    fail(
      `the state dict holds ${describeValue(saved)} inner states but this wrapper has ${schedulers.length} schedulers`,
      "Build the wrapper with the same inner schedulers as the one that was saved",
    );
  }
  const appliers = schedulers.map((scheduler, i) => {
    try {
      return scheduler[PREPARE_LOAD](saved[i], `${where} schedulers[${i}]`);
    } catch (error) {
      if (error instanceof StateDictError) throw error;
      return fail(`inner state ${i} is invalid: ${(error as Error).message}`, "Pass what stateDict() returned");
    }
  });
  return () => {
    for (const apply of appliers) apply();
  };
}
