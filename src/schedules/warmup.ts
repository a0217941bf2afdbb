import type { Optimizer } from "../core/optimizer.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { LRScheduler, type SchedulerSettings } from "./scheduler.js";

/** Options of {@link ConstantLR}. */
export interface ConstantLROptions {
  /** Factor applied for the first `totalIters` steps; in (0, 1]. Default 1/3. */
  factor: number;
  /** Steps during which the factor applies; an integer >= 1. Default 5. */
  totalIters: number;
}

/** Options of {@link LinearLR}. */
export interface LinearLROptions {
  /** Factor s at k = 0; in (0, 1]. Default 1/3. */
  startFactor: number;
  /** Factor e from k = `totalIters` on; in [0, 1]. Default 1. */
  endFactor: number;
  /** Steps T over which the factor moves from s to e; an integer >= 1. Default 5. */
  totalIters: number;
}

const TOTAL_ITERS = {
  type: "number",
  default: 5,
  min: 1,
  integer: true,
  example: 5,
  description: "steps until the schedule reaches its end factor",
} as const;

const CONSTANT_SPECS: SchedulerOptionSpecs = {
  factor: { type: "number", default: 1 / 3, min: 0, exclusiveMin: true, max: 1, example: 0.5, description: "factor" },
  totalIters: TOTAL_ITERS,
};

const LINEAR_SPECS: SchedulerOptionSpecs = {
  startFactor: {
    type: "number",
    default: 1 / 3,
    min: 0,
    exclusiveMin: true,
    max: 1,
    example: 0.1,
    description: "factor at k = 0",
  },
  endFactor: { type: "number", default: 1, min: 0, max: 1, example: 1, description: "factor from k = totalIters on" },
  totalIters: TOTAL_ITERS,
};

/**
 * Multiplies each group's learning rate by a constant factor for the first
 * `totalIters` steps, then restores it.
 *
 * ```text
 * k = 0:            lr ← factor·lr
 * k = totalIters:   lr ← lr / factor
 * otherwise:        lr ← lr
 * ```
 *
 * On its own this gives lr = base·factor for k < totalIters, then base.
 *
 * Options: `factor` (1/3, in (0, 1]), `totalIters` (5, integer >= 1), and
 * {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `ConstantLR`. PyTorch accepts `factor` 0
 *   and `totalIters` 0, but its update then divides by zero at k = totalIters
 *   or never restores the lr; descent rejects both.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new ConstantLR(opt, { factor: 0.5, totalIters: 2 });
 * sched.getLastLr(); // [0.05]
 * opt.step(); sched.step(); // 0.05
 * opt.step(); sched.step(); // 0.1 from here on
 * ```
 * @see PyTorch 1.13 `ConstantLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ConstantLR.html
 * @see Plot: docs/schedules/ConstantLR.svg
 */
export class ConstantLR extends LRScheduler<ConstantLROptions> {
  constructor(optimizer: Optimizer, options: Partial<ConstantLROptions> & SchedulerSettings = {}) {
    super("ConstantLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): ConstantLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, CONSTANT_SPECS, given, groups) as unknown as ConstantLROptions;
  }

  protected computeLrs(): number[] {
    const { factor, totalIters } = this.options;
    return this.optimizer.paramGroups.map((group) => {
      if (this.k === 0) return group.lr * factor;
      if (this.k !== totalIters) return group.lr;
      return group.lr * (1 / factor);
    });
  }

  protected override closedFormLrs(): number[] {
    const { factor, totalIters } = this.options;
    const restored = this.k >= totalIters ? 1 - factor : 0;
    return this.baseLrs.map((base) => base * (factor + restored));
  }
}

/**
 * Scales each group's learning rate by a factor that moves linearly from
 * `startFactor` to `endFactor` over `totalIters` steps: the usual linear warmup.
 *
 * ```text
 * k = 0:        lr ← s·lr
 * 1 <= k <= T:  lr ← lr·(1 + (e − s) / (T·s + (k − 1)·(e − s)))
 * k > T:        lr ← lr
 * ```
 *
 * On its own this gives lr = base·(s + (e − s)·min(k, T) / T).
 *
 * Options: `startFactor` s (1/3, in (0, 1]), `endFactor` e (1, in [0, 1]),
 * `totalIters` T (5, integer >= 1), and {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `LinearLR`. PyTorch 1.13 accepts
 *   `startFactor` 0, whose update divides by zero at k = 1; descent requires
 *   s > 0, as later PyTorch versions do.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 4 });
 * warmup.getLastLr(); // [0.01]
 * for (let k = 1; k <= 4; k++) {
 *   opt.step();
 *   warmup.step(); // 0.0325, 0.055, 0.0775, 0.1 (up to rounding)
 * }
 * ```
 * @see PyTorch 1.13 `LinearLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.LinearLR.html
 * @see Plot: docs/schedules/LinearLR.svg
 */
export class LinearLR extends LRScheduler<LinearLROptions> {
  constructor(optimizer: Optimizer, options: Partial<LinearLROptions> & SchedulerSettings = {}) {
    super("LinearLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): LinearLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, LINEAR_SPECS, given, groups) as unknown as LinearLROptions;
  }

  protected computeLrs(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T } = this.options;
    const k = this.k;
    return this.optimizer.paramGroups.map((group) => {
      if (k === 0) return group.lr * s;
      if (k > T) return group.lr;
      return group.lr * (1 + (e - s) / (T * s + (k - 1) * (e - s)));
    });
  }

  protected override closedFormLrs(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T } = this.options;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(T, this.k)) / T));
  }
}
