import type { Optimizer } from "../core/optimizer.js";
import { describeValue } from "../core/validation.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { LRScheduler, type SchedulerSettings } from "./scheduler.js";

/** A learning-rate factor as a function of the step count k. */
export type LrLambda = (k: number) => number;

/** Options of {@link LambdaLR}. */
export interface LambdaLROptions {
  /** The factor λ(k), or one function per parameter group. Required. */
  lrLambda: LrLambda | LrLambda[];
}

const SPECS: SchedulerOptionSpecs = {
  lrLambda: { type: "function", required: true, perGroup: true, description: "factor λ(k) of the base lr" },
};

/**
 * Sets each group's learning rate to its base learning rate times a factor
 * computed by your function of the step count.
 *
 * ```text
 * lr = base·λ(k)        for k = 0, 1, 2, ...
 * ```
 *
 * Options: `lrLambda` λ (required: a function of k, or an array with one
 * function per parameter group), and {@link SchedulerSettings}. λ must return
 * a finite number >= 0.
 *
 * @throws TypeError for a missing or non-function `lrLambda`, or an array of
 *   the wrong length; at construction and at `step()`, TypeError or RangeError
 *   when λ returns something other than a finite number >= 0 (checked for
 *   every group before any lr changes).
 * @remarks Follows PyTorch 1.13's `LambdaLR`. `stateDict()` saves the step
 *   count but not the functions; the scheduler that loads the state keeps its own.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new LambdaLR(opt, { lrLambda: (k) => 1 / (k + 1) });
 * opt.step();
 * sched.step();
 * sched.getLastLr(); // [0.05]
 * ```
 * @see PyTorch 1.13 `LambdaLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.LambdaLR.html
 * @see Plot of λ(k) = 1 / (1 + k/10): docs/schedules/LambdaLR.svg
 */
export class LambdaLR extends LRScheduler<{ lrLambda: LrLambda[] }> {
  constructor(optimizer: Optimizer, options: LambdaLROptions & SchedulerSettings) {
    super("LambdaLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): { lrLambda: LrLambda[] } {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, SPECS, given, groups) as { lrLambda: LrLambda[] };
  }

  protected computeLrs(): number[] {
    const factors = this.options.lrLambda.map((lambda, g) => {
      const factor = lambda(this.k);
      if (typeof factor !== "number") {
        throw new TypeError(
          `LambdaLR: lrLambda(${this.k}) returned ${describeValue(factor)} for parameter group ${g}; ` +
            `it must return a number. Make the function return the factor of the base learning rate.`,
        );
      }
      if (!(Number.isFinite(factor) && factor >= 0)) {
        throw new RangeError(
          `LambdaLR: lrLambda(${this.k}) returned ${factor} for parameter group ${g}; ` +
            `the factor must be a finite number >= 0. Check the function at k = ${this.k}.`,
        );
      }
      return factor;
    });
    return this.baseLrs.map((base, g) => base * factors[g]);
  }
}
