import type { Optimizer } from "../core/optimizer.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { LRScheduler, type SchedulerSettings } from "./scheduler.js";

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Steps between two decays; an integer >= 1. Required. */
  stepSize: number;
  /** Factor γ applied at each decay; >= 0. Default 0.1. */
  gamma: number;
}

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions {
  /**
   * Step counts k at which to decay; integers >= 0 in any order. A count listed
   * twice applies γ twice. Required.
   */
  milestones: number[];
  /** Factor γ applied at each milestone; >= 0. Default 0.1. */
  gamma: number;
}

const GAMMA = { type: "number", default: 0.1, min: 0, example: 0.1, description: "decay factor γ" } as const;

const STEP_SPECS: SchedulerOptionSpecs = {
  stepSize: { type: "number", default: undefined, min: 1, integer: true, example: 30, description: "steps between decays" },
  gamma: GAMMA,
};

const MULTI_STEP_SPECS: SchedulerOptionSpecs = {
  milestones: { type: "integers", min: 0, increasing: false, example: [30, 80], description: "step counts at which to decay" },
  gamma: GAMMA,
};

/**
 * Multiplies each group's learning rate by γ every `stepSize` steps.
 *
 * ```text
 * k = 0:                          lr ← lr
 * k > 0 and k mod stepSize = 0:   lr ← γ·lr
 * otherwise:                      lr ← lr
 * ```
 *
 * On its own this gives lr = base·γ^⌊k / stepSize⌋, where base is the group's
 * lr when the first scheduler was attached to the optimizer.
 *
 * Options: `stepSize` (required, integer >= 1), `gamma` γ (0.1, >= 0), and
 * {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.lr_scheduler.StepLR`, in its
 *   chainable form: each step multiplies the current lr, so other changes to
 *   the lr (another scheduler, or your own code) carry over.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
 * for (let epoch = 0; epoch < 6; epoch++) {
 *   opt.step();
 *   sched.step();
 * }
 * sched.getLastLr(); // [0.025]
 * ```
 * @see PyTorch 1.13 `StepLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.StepLR.html
 * @see Plot: docs/schedules/StepLR.svg
 */
export class StepLR extends LRScheduler<StepLROptions> {
  constructor(optimizer: Optimizer, options: Pick<StepLROptions, "stepSize"> & Partial<StepLROptions> & SchedulerSettings) {
    super("StepLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): StepLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, STEP_SPECS, given, groups) as unknown as StepLROptions;
  }

  protected computeLrs(): number[] {
    const { stepSize, gamma } = this.options;
    const k = this.k;
    const decay = k !== 0 && k % stepSize === 0;
    return this.optimizer.paramGroups.map((group) => (decay ? group.lr * gamma : group.lr));
  }

  protected override closedFormLrs(): number[] {
    const { stepSize, gamma } = this.options;
    return this.baseLrs.map((base) => base * gamma ** Math.floor(this.k / stepSize));
  }
}

/**
 * Multiplies each group's learning rate by γ when the step count reaches a milestone.
 *
 * ```text
 * k listed c times in milestones:   lr ← γ^c·lr
 * otherwise:                        lr ← lr
 * ```
 *
 * On its own this gives lr = base·γ^(number of milestones <= k). A milestone
 * of 0 applies at construction.
 *
 * Options: `milestones` (required, integers >= 0), `gamma` γ (0.1, >= 0), and
 * {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `MultiStepLR`, which counts the milestones
 *   (a repeated one decays more than once) and does not need them sorted.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new MultiStepLR(opt, { milestones: [2, 4], gamma: 0.1 });
 * for (let epoch = 0; epoch < 4; epoch++) {
 *   opt.step();
 *   sched.step();
 * }
 * sched.getLastLr(); // [0.001], up to rounding
 * ```
 * @see PyTorch 1.13 `MultiStepLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.MultiStepLR.html
 * @see Plot: docs/schedules/MultiStepLR.svg
 */
export class MultiStepLR extends LRScheduler<MultiStepLROptions> {
  constructor(
    optimizer: Optimizer,
    options: Pick<MultiStepLROptions, "milestones"> & Partial<MultiStepLROptions> & SchedulerSettings,
  ) {
    super("MultiStepLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): MultiStepLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, MULTI_STEP_SPECS, given, groups) as unknown as MultiStepLROptions;
  }

  protected computeLrs(): number[] {
    const { milestones, gamma } = this.options;
    const c = milestones.filter((milestone) => milestone === this.k).length;
    return this.optimizer.paramGroups.map((group) => (c > 0 ? group.lr * gamma ** c : group.lr));
  }

  protected override closedFormLrs(): number[] {
    const { milestones, gamma } = this.options;
    const passed = milestones.filter((milestone) => milestone <= this.k).length;
    return this.baseLrs.map((base) => base * gamma ** passed);
  }
}
