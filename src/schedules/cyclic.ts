import type { Optimizer } from "../core/optimizer.js";
import { describeValue, invalidCombination } from "../core/validation.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { LRScheduler, type SchedulerSettings } from "./scheduler.js";

/** The amplitude factor of {@link CyclicLR} as a function of the cycle number or the step count. */
export type CyclicScaleFn = (x: number) => number;

/** Options of {@link CyclicLR}. */
export interface CyclicLROptions {
  /** Lower bound of the cycle, >= 0; a number or one per parameter group. Required. */
  baseLr: number | number[];
  /** Upper bound of the cycle, >= 0; a number or one per parameter group. Required. */
  maxLr: number | number[];
  /** Steps from the lower to the upper bound; > 0. Default 2000. */
  stepSizeUp: number;
  /** Steps from the upper back to the lower bound; >= 0. Default `stepSizeUp`. */
  stepSizeDown?: number;
  /** `"triangular"` (default), `"triangular2"` (amplitude halves every cycle) or `"exp_range"` (amplitude γ^k). */
  mode: "triangular" | "triangular2" | "exp_range";
  /** γ of `"exp_range"`; >= 0. Default 1. */
  gamma: number;
  /** Your own amplitude factor in place of `mode`'s; it should return values in [0, 1]. */
  scaleFn?: CyclicScaleFn;
  /** The argument of `scaleFn`: the cycle number (`"cycle"`, default) or the step count k (`"iterations"`). */
  scaleMode: "cycle" | "iterations";
  /** Cycle the optimizer's `momentum` inversely to the lr. Default true. */
  cycleMomentum: boolean;
  /** Momentum at the peak of the lr, >= 0; a number or one per group. Default 0.8. */
  baseMomentum: number | number[];
  /** Momentum at the lower bound of the lr, >= 0; a number or one per group. Default 0.9. */
  maxMomentum: number | number[];
}

/** CyclicLR's options after checking: per-group values as arrays, `stepSizeDown` filled in. */
interface ResolvedCyclicLROptions {
  baseLr: number[];
  maxLr: number[];
  stepSizeUp: number;
  stepSizeDown: number;
  mode: "triangular" | "triangular2" | "exp_range";
  gamma: number;
  scaleFn: CyclicScaleFn | undefined;
  scaleMode: "cycle" | "iterations";
  cycleMomentum: boolean;
  baseMomentum: number[];
  maxMomentum: number[];
}

const SPECS: SchedulerOptionSpecs = {
  baseLr: { type: "perGroup", default: undefined, min: 0, example: 0.001, description: "lower bound of the lr" },
  maxLr: { type: "perGroup", default: undefined, min: 0, example: 0.01, description: "upper bound of the lr" },
  stepSizeUp: { type: "number", default: 2000, min: 0, exclusiveMin: true, example: 2000, description: "steps up" },
  stepSizeDown: { type: "optionalNumber", min: 0, example: 2000, description: "steps down" },
  mode: { type: "choice", default: "triangular", choices: ["triangular", "triangular2", "exp_range"], description: "amplitude policy" },
  gamma: { type: "number", default: 1, min: 0, example: 0.99994, description: "γ of exp_range" },
  scaleFn: { type: "function", required: false, perGroup: false, description: "custom amplitude factor" },
  scaleMode: { type: "choice", default: "cycle", choices: ["cycle", "iterations"], description: "argument of scaleFn" },
  cycleMomentum: { type: "boolean", default: true, description: "cycle the momentum inversely to the lr" },
  baseMomentum: { type: "perGroup", default: 0.8, min: 0, example: 0.8, description: "momentum at the lr peak" },
  maxMomentum: { type: "perGroup", default: 0.9, min: 0, example: 0.9, description: "momentum at the lower bound" },
};

/**
 * Cycles each group's learning rate between `baseLr` and `maxLr` along a
 * triangle: up over `stepSizeUp` steps, down over `stepSizeDown` steps.
 *
 * ```text
 * total = up + down,  ratio = up / total
 * cycle = ⌊1 + k/total⌋,  x = 1 + k/total − cycle
 * scale = x / ratio                if x <= ratio
 *         (x − 1) / (ratio − 1)    otherwise
 * lr = baseLr + (maxLr − baseLr)·scale·f
 * momentum = maxMomentum − (maxMomentum − baseMomentum)·scale·f     (with cycleMomentum)
 * ```
 *
 * with f = 1 (`triangular`), 1 / 2^(cycle − 1) (`triangular2`), γ^k
 * (`exp_range`), or `scaleFn(cycle)` / `scaleFn(k)` per `scaleMode`. The
 * constructor sets every group's lr to `baseLr`; the optimizer's own lr is not used.
 *
 * Options (see {@link CyclicLROptions}): `baseLr`, `maxLr` (required),
 * `stepSizeUp` (2000), `stepSizeDown` (= stepSizeUp), `mode` ("triangular"),
 * `gamma` (1), `scaleFn`, `scaleMode` ("cycle"), `cycleMomentum` (true),
 * `baseMomentum` (0.8), `maxMomentum` (0.9), and {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option; RangeError when
 *   `cycleMomentum` is true and the optimizer has no `momentum` option. At
 *   `step()`, TypeError or RangeError when `scaleFn` returns something other
 *   than a finite number.
 * @remarks Follows PyTorch 1.13's `CyclicLR`, which cycles only an optimizer's
 *   `momentum` (SGD, RMSprop): for Adam and the other optimizers with `betas`,
 *   pass `cycleMomentum: false` (later PyTorch versions cycle β1 instead).
 *   Unlike PyTorch 1.13, whose CyclicLR cannot be saved, `stateDict()` works;
 *   it leaves out `scaleFn`.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
 * const sched = new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2 });
 * opt.step(); sched.step(); // 0.055 (momentum 0.85)
 * opt.step(); sched.step(); // 0.1 (momentum 0.8)
 * ```
 * @see PyTorch 1.13 `CyclicLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CyclicLR.html
 * @see Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017. https://arxiv.org/abs/1506.01186
 * @see Plot: docs/schedules/CyclicLR.svg
 */
export class CyclicLR extends LRScheduler<ResolvedCyclicLROptions> {
  constructor(
    optimizer: Optimizer,
    options: Pick<CyclicLROptions, "baseLr" | "maxLr"> & Partial<CyclicLROptions> & SchedulerSettings,
  ) {
    super("CyclicLR", optimizer, options);
    this.start(() => {
      this.optimizer.paramGroups.forEach((group, g) => {
        group.lr = this.options.baseLr[g];
      });
    });
  }

  /** Uses `baseLr`, even when an earlier scheduler set another `initialLr`. */
  protected override chooseBaseLrs(): number[] {
    return [...this.options.baseLr];
  }

  protected parseOptions(given: Record<string, unknown>, where: string): ResolvedCyclicLROptions {
    const groups = this.optimizer.paramGroups.length;
    const options = resolveSchedulerOptions(where, SPECS, given, groups) as unknown as ResolvedCyclicLROptions;
    options.stepSizeDown ??= options.stepSizeUp;
    if (options.cycleMomentum && !("momentum" in this.optimizer.defaults)) {
      invalidCombination(
        where,
        `cycleMomentum needs an optimizer with a momentum option, such as SGD or RMSprop, ` +
          `but ${this.optimizer.constructor.name} has none (PyTorch 1.13's CyclicLR does not cycle betas)`,
        "Pass cycleMomentum: false",
      );
    }
    return options;
  }

  protected computeLrs(): number[] {
    const { stepSizeUp, stepSizeDown, maxLr, cycleMomentum, baseMomentum, maxMomentum } = this.options;
    const k = this.k;
    const total = stepSizeUp + stepSizeDown;
    const ratio = stepSizeUp / total;
    const cycle = Math.floor(1 + k / total);
    const x = 1 + k / total - cycle;
    const scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    const f = this.amplitudeFactor(cycle);

    const lrs = this.baseLrs.map((base, g) => base + (maxLr[g] - base) * scale * f);
    if (cycleMomentum) {
      this.optimizer.paramGroups.forEach((group, g) => {
        group.momentum = maxMomentum[g] - (maxMomentum[g] - baseMomentum[g]) * scale * f;
      });
    }
    return lrs;
  }

  /** Returns f, the factor of the amplitude, for the given cycle number at the current k. */
  private amplitudeFactor(cycle: number): number {
    const { mode, gamma, scaleFn, scaleMode } = this.options;
    if (scaleFn === undefined) {
      if (mode === "triangular") return 1;
      if (mode === "triangular2") return 1 / 2 ** (cycle - 1);
      return gamma ** this.k;
    }
    const argument = scaleMode === "cycle" ? cycle : this.k;
    const f = scaleFn(argument);
    if (typeof f !== "number") {
      throw new TypeError(
        `CyclicLR: scaleFn(${argument}) returned ${describeValue(f)}; it must return a number, ` +
          `usually in [0, 1]. Make the function return the amplitude factor.`,
      );
    }
    if (!Number.isFinite(f)) {
      throw new RangeError(`CyclicLR: scaleFn(${argument}) returned ${f}; it must return a finite number. Check the function there.`);
    }
    return f;
  }
}
