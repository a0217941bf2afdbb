import type { Optimizer } from "../core/optimizer.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { type Fail, LRScheduler, type SchedulerSettings, readNumber } from "./scheduler.js";

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Steps T from the base lr down to `etaMin` (half a period); an integer >= 1. Required. */
  tMax: number;
  /** Lowest learning rate η; >= 0. Default 0. */
  etaMin: number;
}

/** Options of {@link CosineAnnealingWarmRestarts}. */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart; an integer >= 1. Required. */
  t0: number;
  /** Factor by which each period is longer than the one before; an integer >= 1. Default 1. */
  tMult: number;
  /** Lowest learning rate η; >= 0. Default 0. */
  etaMin: number;
}

const ETA_MIN = { type: "number", default: 0, min: 0, example: 0, description: "lowest learning rate η" } as const;

const ANNEALING_SPECS: SchedulerOptionSpecs = {
  tMax: { type: "number", default: undefined, min: 1, integer: true, example: 100, description: "steps from base to etaMin" },
  etaMin: ETA_MIN,
};

const RESTARTS_SPECS: SchedulerOptionSpecs = {
  t0: { type: "number", default: undefined, min: 1, integer: true, example: 10, description: "steps until the first restart" },
  tMult: { type: "number", default: 1, min: 1, integer: true, example: 2, description: "growth factor of the period" },
  etaMin: ETA_MIN,
};

/**
 * Anneals each group's learning rate from its base value to `etaMin` along a
 * half cosine over `tMax` steps, then back up over the next `tMax` steps, and
 * so on with period 2·tMax.
 *
 * ```text
 * k = 0:                          lr ← lr
 * (k − 1 − T) mod 2T = 0:         lr ← lr + (base − η)·(1 − cos(π/T)) / 2
 * otherwise:                      lr ← η + (lr − η)·(1 + cos(πk/T)) / (1 + cos(π(k − 1)/T))
 * ```
 *
 * On its own this gives lr = η + (base − η)·(1 + cos(πk/T)) / 2.
 *
 * Options: `tMax` T (required, integer >= 1), `etaMin` η (0, >= 0), and
 * {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `CosineAnnealingLR` in its chainable form,
 *   which stays exact when another scheduler also changes the lr. It does not
 *   stop at k = T: the lr climbs back to base by k = 2T. For restarts that jump
 *   straight back to base, use {@link CosineAnnealingWarmRestarts}.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new CosineAnnealingLR(opt, { tMax: 2 });
 * opt.step(); sched.step(); // 0.05
 * opt.step(); sched.step(); // 0
 * ```
 * @see PyTorch 1.13 `CosineAnnealingLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html
 * @see Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017. https://arxiv.org/abs/1608.03983
 * @see Plot: docs/schedules/CosineAnnealingLR.svg
 */
export class CosineAnnealingLR extends LRScheduler<CosineAnnealingLROptions> {
  constructor(
    optimizer: Optimizer,
    options: Pick<CosineAnnealingLROptions, "tMax"> & Partial<CosineAnnealingLROptions> & SchedulerSettings,
  ) {
    super("CosineAnnealingLR", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): CosineAnnealingLROptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, ANNEALING_SPECS, given, groups) as unknown as CosineAnnealingLROptions;
  }

  protected computeLrs(): number[] {
    const { tMax: T, etaMin: eta } = this.options;
    const k = this.k;
    const groups = this.optimizer.paramGroups;
    if (k === 0) return groups.map((group) => group.lr);

    // Right after the minimum the ratio below would divide by 1 + cos(π) = 0,
    // so PyTorch 1.13 adds the first step of the climb explicitly.
    if ((k - 1 - T) % (2 * T) === 0) {
      return groups.map((group, g) => group.lr + ((this.baseLrs[g] - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * k) / T)) / (1 + Math.cos((Math.PI * (k - 1)) / T));
    return groups.map((group) => ratio * (group.lr - eta) + eta);
  }

  protected override closedFormLrs(): number[] {
    const { tMax: T, etaMin: eta } = this.options;
    return this.baseLrs.map((base) => eta + ((base - eta) * (1 + Math.cos((Math.PI * this.k) / T))) / 2);
  }
}

/**
 * Anneals each group's learning rate from its base value towards `etaMin`
 * along a half cosine, and jumps back to the base value at each restart. The
 * first period lasts `t0` steps and each later one `tMult` times the one before.
 *
 * ```text
 * Tcur ← Tcur + 1;  if Tcur >= Ti: Tcur ← Tcur − Ti, Ti ← Ti·tMult
 * lr = η + (base − η)·(1 + cos(π·Tcur/Ti)) / 2
 * ```
 *
 * starting from Tcur = 0 and Ti = t0, so the lr is back at base right after
 * steps t0, t0 + t0·tMult, t0 + t0·tMult + t0·tMult², …
 *
 * Options: `t0` (required, integer >= 1), `tMult` (1, integer >= 1),
 * `etaMin` η (0, >= 0), and {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `CosineAnnealingWarmRestarts` when stepped
 *   without an argument. PyTorch's `step(epoch)` with a fractional epoch is not
 *   supported; call `step()` once per batch with a `t0` counted in batches instead.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1 });
 * const sched = new CosineAnnealingWarmRestarts(opt, { t0: 2 });
 * opt.step(); sched.step(); // 0.05
 * opt.step(); sched.step(); // 0.1: restart
 * ```
 * @see PyTorch 1.13 `CosineAnnealingWarmRestarts`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html
 * @see Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017. https://arxiv.org/abs/1608.03983
 * @see Plot: docs/schedules/CosineAnnealingWarmRestarts.svg
 */
export class CosineAnnealingWarmRestarts extends LRScheduler<CosineAnnealingWarmRestartsOptions> {
  /** Steps since the last restart. */
  private tCur = 0;
  /** Length of the current period. */
  private tI = 1;

  constructor(
    optimizer: Optimizer,
    options: Pick<CosineAnnealingWarmRestartsOptions, "t0"> & Partial<CosineAnnealingWarmRestartsOptions> & SchedulerSettings,
  ) {
    super("CosineAnnealingWarmRestarts", optimizer, options);
    this.start();
  }

  protected parseOptions(given: Record<string, unknown>, where: string): CosineAnnealingWarmRestartsOptions {
    const groups = this.optimizer.paramGroups.length;
    return resolveSchedulerOptions(where, RESTARTS_SPECS, given, groups) as unknown as CosineAnnealingWarmRestartsOptions;
  }

  protected override resetCounters(): void {
    super.resetCounters();
    this.tCur = 0;
    this.tI = this.options.t0;
  }

  protected override advanceCounters(): void {
    super.advanceCounters();
    this.tCur += 1;
    if (this.tCur >= this.tI) {
      this.tCur -= this.tI;
      this.tI *= this.options.tMult;
    }
  }

  protected computeLrs(): number[] {
    const eta = this.options.etaMin;
    const cosine = 1 + Math.cos((Math.PI * this.tCur) / this.tI);
    return this.baseLrs.map((base) => eta + ((base - eta) * cosine) / 2);
  }

  protected override saveState(): Record<string, number | number[]> {
    return { ...super.saveState(), tCur: this.tCur, tI: this.tI };
  }

  protected override prepareState(saved: Record<string, unknown>, fail: Fail): () => void {
    const applyBase = super.prepareState(saved, fail);
    const tI = readNumber(saved, "tI", fail, (value) => Number.isSafeInteger(value) && value >= 1);
    const tCur = readNumber(saved, "tCur", fail, (value) => Number.isSafeInteger(value) && value >= 0 && value < tI);
    return () => {
      applyBase();
      this.tCur = tCur;
      this.tI = tI;
    };
  }
}
