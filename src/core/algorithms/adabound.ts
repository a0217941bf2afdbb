import {
  type BaseOptions,
  Optimizer,
  type OptimizerSettings,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from "../optimizer.js";
import { type FloatArray, type Parameter, zerosLike } from "../parameter.js";
import {
  betasSpec,
  epsSpec,
  lrSpec,
  maximizeSpec,
  weightDecaySpec,
} from "../options.js";
import { invalidCombination } from "../validation.js";
import { float32Kernels } from "../wasm/runtime.js";

// Per-step scalars handed to the WebAssembly kernel, filled in place so that
// a step allocates nothing; the kernel runtime copies them at once.
const COEFFICIENTS = new Float64Array(12);

/** Options of {@link AdaBound}, {@link AMSBound} and {@link AdaBoundW}. */
export interface AdaBoundOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1). Default [0.9, 0.999]. */
  betas: [number, number];
  /** α*, the SGD learning rate the bounds converge to, > 0. Default 0.1. */
  finalLr: number;
  /** γ, the convergence speed of the bounds, in (0, 1). Default 1e-3. */
  gamma: number;
  /** ε, ≥ 0, added to the raw root √v. Default 1e-8. */
  eps: number;
  /** Use the running maximum of v (AMSBound). Default false; true for {@link AMSBound}. */
  amsbound: boolean;
}

function boundSpecs(amsbound: boolean) {
  return {
    lr: lrSpec(1e-3),
    betas: betasSpec,
    finalLr: {
      type: "number",
      default: 0.1,
      min: 0,
      exclusiveMin: true,
      example: 0.1,
      description: "final (SGD) learning rate α*",
    },
    gamma: {
      type: "number",
      default: 1e-3,
      min: 0,
      max: 1,
      exclusiveMin: true,
      exclusiveMax: true,
      example: 1e-3,
      description: "convergence speed γ of the bounds",
    },
    eps: epsSpec(1e-8),
    weightDecay: weightDecaySpec(),
    amsbound: {
      type: "boolean",
      default: amsbound,
      description: "use the maximum of v (AMSBound)",
    },
    maximize: maximizeSpec,
  } as const;
}

const BUFFERS = ["m", "v", "vMax"] as const;

/**
 * Updates one tensor with the bounded step. `decay` is the L2 coefficient
 * added to g, and `decoupled` the AdaBoundW coefficient subtracted as λ·θ;
 * one of them is 0.
 */
function boundedKernel(
  theta: FloatArray,
  grad: FloatArray,
  state: ParamState,
  group: ParamGroup<AdaBoundOptions>,
  decay: number,
  decoupled: number,
): void {
  const { lr, betas, finalLr, gamma, eps, amsbound, maximize } = group;
  const [beta1, beta2] = betas;
  if (amsbound) state.buffers.vMax ??= zerosLike(theta);
  const { m, v, vMax } = state.buffers;
  const t = state.step;
  const sign = maximize ? -1 : 1;

  // Bias corrections are folded into the step size before it is clipped.
  const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  // The bounds follow the learning rate in force relative to the one the optimizer was built with.
  const boundLr = (finalLr * lr) / (group.lrAtConstruction as number);
  const lower = boundLr * (1 - 1 / (gamma * t + 1));
  const upper = boundLr * (1 + 1 / (gamma * t));
  const kernels = float32Kernels(theta);
  if (kernels !== null) {
    COEFFICIENTS[0] = stepSize;
    COEFFICIENTS[1] = beta1;
    COEFFICIENTS[2] = 1 - beta1;
    COEFFICIENTS[3] = beta2;
    COEFFICIENTS[4] = 1 - beta2;
    COEFFICIENTS[5] = eps;
    COEFFICIENTS[6] = lower;
    COEFFICIENTS[7] = upper;
    COEFFICIENTS[8] = sign;
    COEFFICIENTS[9] = decay;
    COEFFICIENTS[10] = decoupled;
    COEFFICIENTS[11] = amsbound ? 1 : 0;
    if (
      kernels.run(
        "adabound",
        COEFFICIENTS,
        theta,
        grad,
        state.buffers,
        "m",
        "v",
        amsbound ? "vMax" : undefined,
      )
    )
      return;
  }

  for (let i = 0; i < theta.length; i++) {
    const g = sign * grad[i] + decay * theta[i];

    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    let vUsed = v[i];
    if (amsbound) vUsed = vMax[i] = Math.max(vMax[i], v[i]);

    const s = Math.min(
      Math.max(stepSize / (Math.sqrt(vUsed) + eps), lower),
      upper,
    );
    theta[i] -= s * m[i] + decoupled * theta[i];
  }
}

/**
 * Base class of AdaBound, AMSBound and AdaBoundW, which differ only in their
 * names, the default of `amsbound`, and whether weight decay is L2 or decoupled.
 */
abstract class BoundedAdam extends Optimizer<AdaBoundOptions> {
  private readonly decoupled: boolean;

  protected constructor(
    names: { algorithm: string; displayName: string },
    specs: ReturnType<typeof boundSpecs>,
    decoupled: boolean,
    params: readonly Parameter[] | readonly ParamGroupInput<AdaBoundOptions>[],
    options: Partial<AdaBoundOptions> & OptimizerSettings,
  ) {
    super(
      {
        ...names,
        specs,
        buffers: BUFFERS,
        optionalBuffers: ["vMax"],
        groupScalars: ["lrAtConstruction"],
      },
      params,
      options,
    );
    this.decoupled = decoupled;
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<AdaBoundOptions>,
  ) {
    const lambda = group.weightDecay;
    if (this.decoupled) boundedKernel(theta, grad, state, group, 0, lambda);
    else boundedKernel(theta, grad, state, group, lambda, 0);
  }

  protected override initState(
    param: Parameter,
    group: ParamGroup<AdaBoundOptions>,
  ) {
    const buffers: Record<string, FloatArray> = {
      m: zerosLike(param.data),
      v: zerosLike(param.data),
    };
    if (group.amsbound) buffers.vMax = zerosLike(param.data);
    return buffers;
  }

  /** Records the learning rate at construction, which scales the bounds at every step. */
  protected override initGroup(group: ParamGroup<AdaBoundOptions>): void {
    if (group.lr <= 0) {
      invalidCombination(
        `${this.description.displayName} group ${this.paramGroups.length}`,
        `lr must be > 0 when the optimizer is built, got ${group.lr}, because the bounds scale with lr divided by this first lr`,
        "Build it with a positive lr such as 0.001 and lower the lr later if needed",
      );
    }
    group.lrAtConstruction = group.lr;
  }

  protected override checkCombination(
    options: AdaBoundOptions,
    where: string,
  ): void {
    const first = (options as ParamGroup<AdaBoundOptions>).lrAtConstruction;
    if (
      first !== undefined &&
      !(typeof first === "number" && first > 0 && Number.isFinite(first))
    ) {
      invalidCombination(
        where,
        `lrAtConstruction must be a positive number, got ${String(first)}`,
        "Leave lrAtConstruction as the constructor set it",
      );
    }
  }
}

/**
 * AdaBound: Adam whose per-coordinate step size is clipped into bounds that
 * close in on an SGD learning rate, so training moves from Adam towards SGD.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * m ← β1·m + (1 − β1)·g               v ← β2·v + (1 − β2)·g²
 * vMax ← max(vMax, v), used in place of v   (amsbound only)
 * s = η·√(1 − β2ᵗ)/(1 − β1ᵗ) / (√v + ε)
 * α*ₜ = α*·η/η₀                        (η₀: the lr at construction)
 * ŝ = clip(s, α*ₜ·(1 − 1/(γt + 1)), α*ₜ·(1 + 1/(γt)))
 * θ ← θ − ŝ·m
 * ```
 *
 * Options: `lr` (1e-3, ≥ 0; > 0 at construction), `betas` ([0.9, 0.999]),
 * `finalLr` α* (0.1, > 0), `gamma` γ (1e-3, in (0, 1)), `eps` (1e-8, ≥ 0),
 * `weightDecay` λ (0, ≥ 0, L2), `amsbound` (false), `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option, or an `lr` of 0 at construction.
 * @remarks Follows the authors' reference implementation (Luolc/AdaBound),
 *   which differs from the algorithm printed in the paper: the clip applies to
 *   the whole step size with both bias corrections folded in, the clipped size
 *   multiplies the raw m, ε is added to the raw root, and the bounds scale with
 *   η/η₀ so a scheduler moves them too. `maximize` is descent's addition.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new AdaBound([w], { lr: 0.01 });
 * w.grad!.set([1]);
 * opt.step(); // w.data[0] ≈ 0.99: inside the wide early bounds the step is Adam's
 * ```
 * @see Luo, Xiong, Liu & Sun, "Adaptive Gradient Methods with Dynamic Bound of Learning Rate", ICLR 2019. https://openreview.net/forum?id=Bkg3g2R9FX
 */
export class AdaBound extends BoundedAdam {
  static readonly specs = boundSpecs(false);

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdaBoundOptions>[],
    options: Partial<AdaBoundOptions> & OptimizerSettings = {},
  ) {
    super(
      { algorithm: "adabound", displayName: "AdaBound" },
      AdaBound.specs,
      false,
      params,
      options,
    );
  }
}

/**
 * AMSBound: {@link AdaBound} with `amsbound: true`, so the denominator uses
 * the running maximum of v as AMSGrad does. Options and defaults otherwise as AdaBound.
 * @see Luo, Xiong, Liu & Sun, "Adaptive Gradient Methods with Dynamic Bound of Learning Rate", ICLR 2019. https://openreview.net/forum?id=Bkg3g2R9FX
 */
export class AMSBound extends BoundedAdam {
  static readonly specs = boundSpecs(true);

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdaBoundOptions>[],
    options: Partial<AdaBoundOptions> & OptimizerSettings = {},
  ) {
    super(
      { algorithm: "amsbound", displayName: "AMSBound" },
      AMSBound.specs,
      false,
      params,
      options,
    );
  }
}

/**
 * AdaBoundW: {@link AdaBound} with decoupled weight decay.
 *
 * ```text
 * as AdaBound, with no λ term in g, and then
 * θ ← θ − ŝ·m − λ·θ_before
 * ```
 *
 * @remarks As in the authors' reference code, the decay subtracts λ·θ from the
 *   weights before the step and is not multiplied by the learning rate, unlike
 *   AdamW. With `amsbound: true` it is the decoupled form of AMSBound.
 * @see Luo, Xiong, Liu & Sun, "Adaptive Gradient Methods with Dynamic Bound of Learning Rate", ICLR 2019. https://openreview.net/forum?id=Bkg3g2R9FX
 */
export class AdaBoundW extends BoundedAdam {
  static readonly specs = boundSpecs(false);

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdaBoundOptions>[],
    options: Partial<AdaBoundOptions> & OptimizerSettings = {},
  ) {
    super(
      { algorithm: "adaboundw", displayName: "AdaBoundW" },
      AdaBoundW.specs,
      true,
      params,
      options,
    );
  }
}
