import type { Optimizer } from "../core/optimizer.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { LRScheduler, type SchedulerSettings } from "./scheduler.js";

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** Factor γ applied at every step; >= 0. Required. */
  gamma: number;
}

/** Options of {@link PolynomialLR}. */
export interface PolynomialLROptions {
  /** Steps T until the lr reaches 0; an integer >= 1. Default 5. */
  totalIters: number;
  /** Power p of the polynomial; >= 0. Default 1 (linear decay). */
  power: number;
}

const EXPONENTIAL_SPECS: SchedulerOptionSpecs = {
  gamma: { type: "number", default: undefined, min: 0, example: 0.95, description: "decay factor γ per step" },
};

const POLYNOMIAL_SPECS: SchedulerOptionSpecs = {
  totalIters: { type: "number", default: 5, min: 1, integer: true, example: 100, description: "steps until the lr reaches 0" },
  power: { type: "number", default: 1, min: 0, example: 1, description: "power p of the polynomial" },
};

/**
 * Multiplies each group's learning rate by γ at every step.
 *
 * ```text
 * k = 0:   lr ← lr
 * k > 0:   lr ← γ·lr
 * ```
 *
 * On its own this gives lr = base·γ^k.
 *
 * Options: `gamma` γ (required, >= 0), and {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `ExponentialLR`.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 1 });
 * const sched = new ExponentialLR(opt, { gamma: 0.5 });
 * opt.step();
 * sched.step();
 * sched.getLastLr(); // [0.5]
 * ```
 * @see PyTorch 1.13 `ExponentialLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ExponentialLR.html
 * @see Plot: docs/schedules/ExponentialLR.svg
 */
export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  constructor(optimizer: Optimizer, options: ExponentialLROptions & SchedulerSettings) {
    super("ExponentialLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): ExponentialLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, EXPONENTIAL_SPECS, given, groups) as unknown as ExponentialLROptions;
  }

  protected computeLrs(): number[] {
    const { gamma } = this.options;
    return this.optimizer.paramGroups.map((group) => (this.k === 0 ? group.lr : group.lr * gamma));
  }

  protected override closedFormLrs(): number[] {
    return this.baseLrs.map((base) => base * this.options.gamma ** this.k);
  }
}

/**
 * Decays each group's learning rate to 0 over `totalIters` steps along a
 * polynomial of power p, then keeps it at 0.
 *
 * ```text
 * k = 0 or k > T:   lr ← lr
 * 1 <= k <= T:      lr ← lr·((1 − k/T) / (1 − (k − 1)/T))^p
 * ```
 *
 * On its own this gives lr = base·(1 − min(k, T)/T)^p.
 *
 * Options: `totalIters` T (5, integer >= 1), `power` p (1, >= 0), and
 * {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `PolynomialLR` (new in that release).
 *   PyTorch accepts `totalIters` 0 and a negative power; the first leaves the
 *   lr constant and the second divides by zero at k = T, so descent rejects both.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new PolynomialLR(opt, { totalIters: 4, power: 1 });
 * for (let k = 1; k <= 4; k++) {
 *   opt.step();
 *   sched.step(); // 0.075, 0.05, 0.025, 0 (up to rounding)
 * }
 * ```
 * @see PyTorch 1.13 `PolynomialLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.PolynomialLR.html
 * @see Plot: docs/schedules/PolynomialLR.svg
 */
export class PolynomialLR extends LRScheduler<PolynomialLROptions> {
  constructor(optimizer: Optimizer, options: Partial<PolynomialLROptions> & SchedulerSettings = {}) {
    super("PolynomialLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): PolynomialLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, POLYNOMIAL_SPECS, given, groups) as unknown as PolynomialLROptions;
  }

  protected computeLrs(): number[] {
    const { totalIters: T, power: p } = this.options;
    const k = this.k;
    if (k === 0 || k > T) return this.optimizer.paramGroups.map((group) => group.lr);
    const decay = ((1 - k / T) / (1 - (k - 1) / T)) ** p;
    return this.optimizer.paramGroups.map((group) => group.lr * decay);
  }

  protected override closedFormLrs(): number[] {
    const { totalIters: T, power: p } = this.options;
    return this.baseLrs.map((base) => base * (1 - Math.min(T, this.k) / T) ** p);
  }
}
