import type { BaseOptions, Optimizer, ParamGroup } from "../core/optimizer.js";
import { invalidCombination } from "../core/validation.js";
import { type SchedulerOptionSpecs, resolveSchedulerOptions } from "./internal/options.js";
import { type Fail, LRScheduler, type SchedulerSettings } from "./scheduler.js";

/** Options of {@link OneCycleLR}. */
export interface OneCycleLROptions {
  /** Peak learning rate, >= 0; a number or one per parameter group. Required. */
  maxLr: number | number[];
  /**
   * Steps N in the cycle; an integer >= 1. Required unless `epochs` and
   * `stepsPerEpoch` are given, whose product it then is.
   */
  totalSteps?: number;
  /** Epochs to train for; an integer >= 1. Used only without `totalSteps`. */
  epochs?: number;
  /** Steps per epoch; an integer >= 1. Used only without `totalSteps`. */
  stepsPerEpoch?: number;
  /** Fraction P of the cycle spent raising the lr; in [0, 1]. Default 0.3. */
  pctStart: number;
  /** `"cos"` (default) or `"linear"` annealing between the phase bounds. */
  annealStrategy: "cos" | "linear";
  /** Cycle the optimizer's `momentum` (SGD, RMSprop) or β1 of its `betas` (Adam family) inversely to the lr. Default true. */
  cycleMomentum: boolean;
  /** Momentum at the peak lr, >= 0 (< 1 for betas); a number or one per group. Default 0.85. */
  baseMomentum: number | number[];
  /** Momentum at the start and end, >= 0 (< 1 for betas); a number or one per group. Default 0.95. */
  maxMomentum: number | number[];
  /** The starting lr is maxLr / divFactor; > 0. Default 25. */
  divFactor: number;
  /** The final lr is the starting lr / finalDivFactor; > 0. Default 1e4. */
  finalDivFactor: number;
  /** Go back down to the starting lr before annealing to the final lr, as in Smith's paper. Default false. */
  threePhase: boolean;
}

/** OneCycleLR's options after checking: per-group values as arrays, `totalSteps` filled in. */
interface ResolvedOneCycleLROptions extends Omit<OneCycleLROptions, "maxLr" | "baseMomentum" | "maxMomentum"> {
  maxLr: number[];
  totalSteps: number;
  baseMomentum: number[];
  maxMomentum: number[];
}

/** Keys of the per-group values that OneCycleLR keeps in the optimizer's parameter groups. */
type BoundKey = "initialLr" | "maxLr" | "minLr" | "maxMomentum" | "baseMomentum";

/** One phase of the cycle: it ends at `endStep` and anneals from one group value to another. */
interface Phase {
  endStep: number;
  startLr: BoundKey;
  endLr: BoundKey;
  startMomentum: BoundKey;
  endMomentum: BoundKey;
}

const STEPS = { type: "optionalNumber", min: 1, integer: true, example: 1000 } as const;

const SPECS: SchedulerOptionSpecs = {
  maxLr: { type: "perGroup", default: undefined, min: 0, example: 0.01, description: "peak learning rate" },
  totalSteps: { ...STEPS, description: "steps in the cycle" },
  epochs: { ...STEPS, example: 10, description: "epochs" },
  stepsPerEpoch: { ...STEPS, example: 100, description: "steps per epoch" },
  pctStart: { type: "number", default: 0.3, min: 0, max: 1, example: 0.3, description: "fraction spent raising the lr" },
  annealStrategy: { type: "choice", default: "cos", choices: ["cos", "linear"], description: "annealing shape" },
  cycleMomentum: { type: "boolean", default: true, description: "cycle the momentum inversely to the lr" },
  baseMomentum: { type: "perGroup", default: 0.85, min: 0, example: 0.85, description: "momentum at the peak lr" },
  maxMomentum: { type: "perGroup", default: 0.95, min: 0, example: 0.95, description: "momentum at the start and end" },
  divFactor: { type: "number", default: 25, min: 0, exclusiveMin: true, example: 25, description: "maxLr / starting lr" },
  finalDivFactor: { type: "number", default: 1e4, min: 0, exclusiveMin: true, example: 1e4, description: "starting lr / final lr" },
  threePhase: { type: "boolean", default: false, description: "use the paper's three phases" },
};

/**
 * The 1cycle policy: raises each group's learning rate from maxLr / divFactor
 * to maxLr, then anneals it to a final lr far below the start, in one cycle of
 * `totalSteps` steps. Momentum moves the opposite way.
 *
 * ```text
 * initial = maxLr / divFactor,  min = initial / finalDivFactor
 * phases (end step: from → to), N = totalSteps, P = pctStart:
 *   two-phase:    P·N − 1: initial → maxLr;   N − 1: maxLr → min
 *   three-phase:  P·N − 1: initial → maxLr;   2·P·N − 2: maxLr → initial;   N − 1: initial → min
 * at step k, in the first phase whose end step is >= k (else the last phase):
 *   pct = (k − start step) / (end step − start step)
 *   cos:     lr = to + (from − to)/2·(cos(π·pct) + 1)
 *   linear:  lr = from + (to − from)·pct
 * ```
 *
 * Momentum follows the same phases from maxMomentum to baseMomentum and back
 * (in the three-phase form it stays at maxMomentum in the last phase).
 *
 * Options (see {@link OneCycleLROptions}): `maxLr` (required), `totalSteps`
 * (or `epochs` and `stepsPerEpoch`), `pctStart` (0.3), `annealStrategy`
 * ("cos"), `cycleMomentum` (true), `baseMomentum` (0.85), `maxMomentum`
 * (0.95), `divFactor` (25), `finalDivFactor` (1e4), `threePhase` (false), and
 * {@link SchedulerSettings}.
 *
 * @throws TypeError or RangeError for an invalid option; RangeError without a
 *   step count, when a phase would have zero length, or when `cycleMomentum`
 *   is true and the optimizer has neither `momentum` nor `betas`. At `step()`,
 *   RangeError after `totalSteps` steps.
 * @remarks Follows PyTorch 1.13's `OneCycleLR`. The optimizer's own lr is not
 *   used. Each group's bounds (`initialLr`, `maxLr`, `minLr`, and when cycling
 *   `maxMomentum` and `baseMomentum`) are stored in the parameter group, so
 *   the optimizer's `stateDict()` carries them. Exactly `totalSteps`
 *   calls to `step()` are allowed; the last one goes past the final phase
 *   (with "linear" the lr can end below zero, so do not take an optimizer step
 *   after it).
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array(1));
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
 * const sched = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 100 });
 * sched.getLastLr(); // [0.004]: maxLr / divFactor
 * for (let k = 1; k < 100; k++) {
 *   opt.step();
 *   sched.step(); // up to 0.1 at k = 29, then down
 * }
 * sched.getLastLr(); // [4e-7]: maxLr / divFactor / finalDivFactor
 * ```
 * @see PyTorch 1.13 `OneCycleLR`: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.OneCycleLR.html
 * @see Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using Large Learning Rates", SPIE 2019. https://arxiv.org/abs/1708.07120
 * @see Plot: docs/schedules/OneCycleLR.svg
 */
export class OneCycleLR extends LRScheduler<ResolvedOneCycleLROptions> {
  constructor(
    optimizer: Optimizer,
    options: Pick<OneCycleLROptions, "maxLr"> & Partial<OneCycleLROptions> & SchedulerSettings,
  ) {
    super("OneCycleLR", optimizer, options);
    this.start(() => this.setGroupBounds());
  }

  protected parseOptions(given: Record<string, unknown>, where: string): ResolvedOneCycleLROptions {
    const groups = this.optimizer.paramGroups.length;
    const options = resolveSchedulerOptions(where, SPECS, given, groups) as unknown as ResolvedOneCycleLROptions;
    if (options.totalSteps === undefined) {
      if (options.epochs === undefined || options.stepsPerEpoch === undefined) {
        invalidCombination(
          where,
          "the cycle length is missing",
          "Pass totalSteps, or both epochs and stepsPerEpoch (totalSteps = epochs·stepsPerEpoch)",
        );
      }
      options.totalSteps = options.epochs * options.stepsPerEpoch;
    }
    checkPhaseLengths(where, phasesOf(options));
    if (options.cycleMomentum) checkMomentumTarget(where, this.optimizer, options);
    return options;
  }

  /** Stores the cycle's bounds in every group, and the starting momentum when cycling. */
  private setGroupBounds(): void {
    const { maxLr, divFactor, finalDivFactor, cycleMomentum, baseMomentum, maxMomentum } = this.options;
    this.optimizer.paramGroups.forEach((group, g) => {
      const initialLr = maxLr[g] / divFactor;
      group.initialLr = initialLr;
      group.maxLr = maxLr[g];
      group.minLr = initialLr / finalDivFactor;
      if (!cycleMomentum) return;
      setMomentum(group, maxMomentum[g]);
      group.maxMomentum = maxMomentum[g];
      group.baseMomentum = baseMomentum[g];
    });
  }

  protected override checkCanAdvance(): void {
    const { totalSteps } = this.options;
    if (this.k + 1 > totalSteps) {
      throw new RangeError(
        `OneCycleLR.step: the cycle has ${totalSteps} steps (totalSteps) and all of them were taken. ` +
          `Build the scheduler with a larger totalSteps, or stop stepping it after ${totalSteps} steps.`,
      );
    }
  }

  protected computeLrs(): number[] {
    const { annealStrategy, cycleMomentum } = this.options;
    const anneal = annealStrategy === "cos" ? annealCos : annealLinear;
    const phases = phasesOf(this.options);
    const k = this.k;
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (k <= phase.endStep || i === phases.length - 1) {
          const pct = (k - startStep) / (phase.endStep - startStep);
          const bound = (key: BoundKey) => group[key] as number;
          if (cycleMomentum) {
            setMomentum(group, anneal(bound(phase.startMomentum), bound(phase.endMomentum), pct));
          }
          return anneal(bound(phase.startLr), bound(phase.endLr), pct);
        }
        startStep = phase.endStep;
      }
      throw new Error("OneCycleLR: no phase matched; the phase list is empty.");
    });
  }

  /** The bounds live in the optimizer's groups, so they must be there after loading its state. */
  protected override prepareState(saved: Record<string, unknown>, fail: Fail): () => void {
    const keys: BoundKey[] = ["initialLr", "maxLr", "minLr"];
    if (this.options.cycleMomentum) keys.push("maxMomentum", "baseMomentum");
    this.optimizer.paramGroups.forEach((group, g) => {
      for (const key of keys) {
        if (typeof group[key] !== "number") {
          fail(
            `parameter group ${g} of the optimizer has no ${key}, which OneCycleLR keeps there`,
            "Load the optimizer's state (saved together with this one) before the scheduler's",
          );
        }
      }
    });
    return super.prepareState(saved, fail);
  }
}

function annealCos(start: number, end: number, pct: number): number {
  const cosine = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2) * cosine;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function phasesOf(options: ResolvedOneCycleLROptions): Phase[] {
  const { totalSteps: N, pctStart: P, threePhase } = options;
  const warmup: Phase = {
    endStep: P * N - 1,
    startLr: "initialLr",
    endLr: "maxLr",
    startMomentum: "maxMomentum",
    endMomentum: "baseMomentum",
  };
  if (!threePhase) {
    return [
      warmup,
      { endStep: N - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
    ];
  }
  return [
    warmup,
    { endStep: 2 * P * N - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
    { endStep: N - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
  ];
}

/**
 * Rejects a first or last phase of zero length, which step 0 or step N would
 * divide by (PyTorch 1.13 raises ZeroDivisionError there). A middle phase of
 * zero length is never selected, so it does no harm.
 */
function checkPhaseLengths(where: string, phases: Phase[]): void {
  const last = phases[phases.length - 1];
  const beforeLast = phases[phases.length - 2].endStep;
  if (phases[0].endStep === 0 || last.endStep === beforeLast) {
    invalidCombination(
      where,
      `pctStart and totalSteps give a phase of zero length (phase end steps: ${phases.map((p) => p.endStep).join(", ")})`,
      "Change pctStart so that pctStart·totalSteps is not 1 and each phase covers at least part of a step",
    );
  }
}

/** Checks that the optimizer has a momentum to cycle and that the bounds suit it. */
function checkMomentumTarget(where: string, optimizer: Optimizer, options: ResolvedOneCycleLROptions): void {
  const defaults = optimizer.defaults as unknown as Record<string, unknown>;
  if (!("momentum" in defaults) && !("betas" in defaults)) {
    invalidCombination(
      where,
      `cycleMomentum needs an optimizer with momentum or betas, but ${optimizer.constructor.name} has neither`,
      "Pass cycleMomentum: false",
    );
  }
  if ("betas" in defaults) {
    const bad = [...options.baseMomentum, ...options.maxMomentum].find((m) => m >= 1);
    if (bad !== undefined) {
      invalidCombination(
        where,
        `baseMomentum and maxMomentum become β1 of ${optimizer.constructor.name}'s betas, which must be < 1, got ${bad}`,
        "Try baseMomentum: 0.85, maxMomentum: 0.95",
      );
    }
  }
}

/** Sets a group's momentum, or β1 for optimizers with `betas` (PyTorch's `use_beta1`). */
function setMomentum(group: ParamGroup<BaseOptions>, value: number): void {
  if (Array.isArray(group.betas)) group.betas = [value, group.betas[1]];
  else group.momentum = value;
}
