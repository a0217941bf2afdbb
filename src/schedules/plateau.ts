import type { Optimizer } from "../core/optimizer.js";
import { describeValue } from "../core/validation.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { type Fail, SchedulerBase, type SchedulerSettings, readNumber } from "./scheduler.js";

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** `"min"` (default): lower metrics are better, as for a loss. `"max"`: higher is better, as for accuracy. */
  mode: "min" | "max";
  /** Factor applied to the lr on a plateau; in [0, 1). Default 0.1. */
  factor: number;
  /** Steps without improvement tolerated before the lr drops; an integer >= 0. Default 10. */
  patience: number;
  /** How much better a metric must be to count as an improvement; >= 0. Default 1e-4. */
  threshold: number;
  /** `"rel"` (default): threshold is relative to the best value. `"abs"`: absolute. */
  thresholdMode: "rel" | "abs";
  /** Steps after a drop during which bad steps are not counted; an integer >= 0. Default 0. */
  cooldown: number;
  /** Lowest lr, >= 0; a number or one per parameter group. Default 0. */
  minLr: number | number[];
  /** A drop smaller than eps is not applied; >= 0. Default 1e-8. */
  eps: number;
}

const SPECS: SchedulerOptionSpecs = {
  mode: { type: "choice", default: "min", choices: ["min", "max"], description: "whether lower or higher is better" },
  factor: { type: "number", default: 0.1, min: 0, max: 1, exclusiveMax: true, example: 0.1, description: "factor on a plateau" },
  patience: { type: "number", default: 10, min: 0, integer: true, example: 10, description: "bad steps tolerated" },
  threshold: { type: "number", default: 1e-4, min: 0, example: 1e-4, description: "minimum improvement" },
  thresholdMode: { type: "choice", default: "rel", choices: ["rel", "abs"], description: "relative or absolute threshold" },
  cooldown: { type: "number", default: 0, min: 0, integer: true, example: 0, description: "steps to wait after a drop" },
  minLr: { type: "perGroup", default: 0, min: 0, example: 0, description: "lowest lr" },
  eps: { type: "number", default: 1e-8, min: 0, example: 1e-8, description: "smallest drop applied" },
};

/** ReduceLROnPlateau's options after checking, with `minLr` per group. */
interface ResolvedPlateauOptions extends Omit<ReduceLROnPlateauOptions, "minLr"> {
  minLr: number[];
}

/**
 * Lowers each group's learning rate by `factor` when a metric (such as the
 * validation loss) has stopped improving for more than `patience` steps.
 *
 * ```text
 * improvement:   min/rel: m < best·(1 − threshold)    min/abs: m < best − threshold
 *                max/rel: m > best·(1 + threshold)    max/abs: m > best + threshold
 * step(m):  if improvement: best ← m, bad ← 0;  else bad ← bad + 1
 *           if cooldownLeft > 0: cooldownLeft ← cooldownLeft − 1, bad ← 0
 *           if bad > patience:
 *             for each group: new = max(lr·factor, minLr);  lr ← new if lr − new > eps
 *             cooldownLeft ← cooldown, bad ← 0
 * ```
 *
 * starting from best = +∞ (`min`) or −∞ (`max`), bad = 0, cooldownLeft = 0.
 * The constructor leaves the learning rates as they are.
 *
 * Options (see {@link ReduceLROnPlateauOptions}): `mode` ("min"), `factor`
 * (0.1), `patience` (10), `threshold` (1e-4), `thresholdMode` ("rel"),
 * `cooldown` (0), `minLr` (0), `eps` (1e-8), and {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option. At `step(metric)`,
 *   TypeError for a metric that is not a number, RangeError when parameter
 *   groups were added after construction.
 * @remarks Follows PyTorch 1.13's `ReduceLROnPlateau`. A NaN metric is never
 *   an improvement, so it counts as a bad step. In `rel` mode with negative
 *   metrics, best·(1 − threshold) lies above best, so in `min` mode a slightly
 *   worse value counts as an improvement, as in PyTorch. It cannot sit inside
 *   {@link SequentialLR} or {@link ChainedScheduler}, whose `step()` passes no metric.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 });
 * for (const loss of [1.0, 0.9, 0.95, 0.92]) {
 *   opt.step();
 *   sched.step(loss);
 * }
 * sched.getLastLr(); // [0.05]: two steps without improvement on 0.9
 * ```
 * @see PyTorch 1.13 `ReduceLROnPlateau`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html
 * @see Plot: docs/schedules/ReduceLROnPlateau.svg
 */
export class ReduceLROnPlateau extends SchedulerBase<ResolvedPlateauOptions> {
  /** The best metric so far. */
  private bestValue: number;
  /** Steps since the last improvement, reset by a drop and during cooldown. */
  private badSteps = 0;
  /** Steps of cooldown left. */
  private cooldownLeft = 0;

  constructor(optimizer: Optimizer, options: Partial<ReduceLROnPlateauOptions> & SchedulerSettings = {}) {
    super("ReduceLROnPlateau", optimizer, options);
    this.bestValue = this.options.mode === "min" ? Infinity : -Infinity;
    this.recordLastLr();
  }

  /** The best metric seen so far: +∞ (mode "min") or −∞ (mode "max") before the first step. */
  get best(): number {
    return this.bestValue;
  }

  /** Steps without improvement since the last improvement, drop or cooldown step (PyTorch's `num_bad_epochs`). */
  get numBadEpochs(): number {
    return this.badSteps;
  }

  /**
   * Records the metric and lowers the learning rates if it has not improved
   * for more than `patience` steps. Call it after `optimizer.step()`.
   * @param metric The monitored value, such as the validation loss.
   * @throws TypeError for a metric that is not a number.
   * @throws RangeError when parameter groups were added after construction.
   */
  step(metric: number): void {
    if (typeof metric !== "number") {
      throw new TypeError(
        `ReduceLROnPlateau.step: metric must be a number, got ${describeValue(metric)}. ` +
          `Pass the monitored value, e.g. sched.step(validationLoss).`,
      );
    }
    this.checkGroupCount("ReduceLROnPlateau.step");
    this.checkStepOrder();
    this.k += 1;

    if (this.isImprovement(metric)) {
      this.bestValue = metric;
      this.badSteps = 0;
    } else {
      this.badSteps += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.badSteps = 0;
    }
    if (this.badSteps > this.options.patience) {
      this.reduceLrs();
      this.cooldownLeft = this.options.cooldown;
      this.badSteps = 0;
    }
    this.recordLastLr();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): ResolvedPlateauOptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, SPECS, given, groups) as unknown as ResolvedPlateauOptions;
  }

  private isImprovement(m: number): boolean {
    const { mode, threshold, thresholdMode } = this.options;
    const best = this.bestValue;
    if (mode === "min") return thresholdMode === "rel" ? m < best * (1 - threshold) : m < best - threshold;
    return thresholdMode === "rel" ? m > best * (threshold + 1) : m > best + threshold;
  }

  private reduceLrs(): void {
    const { factor, minLr, eps } = this.options;
    this.optimizer.paramGroups.forEach((group, g) => {
      const lr = group.lr;
      const reduced = Math.max(lr * factor, minLr[g]);
      if (lr - reduced > eps) group.lr = reduced;
    });
  }

  protected override saveState(): Record<string, number | number[]> {
    return { best: this.bestValue, numBadEpochs: this.badSteps, cooldownCounter: this.cooldownLeft };
  }

  protected override prepareState(saved: Record<string, unknown>, fail: Fail): () => void {
    const isCount = (value: number) => Number.isSafeInteger(value) && value >= 0;
    const best = readNumber(saved, "best", fail, (value) => !Number.isNaN(value));
    const badSteps = readNumber(saved, "numBadEpochs", fail, isCount);
    const cooldownLeft = readNumber(saved, "cooldownCounter", fail, isCount);
    return () => {
      this.bestValue = best;
      this.badSteps = badSteps;
      this.cooldownLeft = cooldownLeft;
    };
  }
}
