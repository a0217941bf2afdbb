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
  decoupledWeightDecaySpec,
  epsSpec,
  lrSpec,
  maximizeSpec,
  weightDecaySpec,
} from "../options.js";
import { float32Kernels } from "../wasm/runtime.js";

// Per-step scalars handed to the WebAssembly kernel, filled in place so that
// a step allocates nothing; the kernel runtime copies them at once.
const COEFFICIENTS = new Float64Array(11);

/** Options of {@link RAdam}. */
export interface RAdamOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1). Default [0.9, 0.999]. */
  betas: [number, number];
  /** ε, ≥ 0, added to the raw root √v. Default 1e-8. */
  eps: number;
  /** Decay θ by η·λ directly instead of adding λθ to g (PyTorch 2.1's form). Default false. */
  decoupledWeightDecay: boolean;
}

const SPECS = {
  lr: lrSpec(1e-3),
  betas: betasSpec,
  eps: epsSpec(1e-8),
  weightDecay: weightDecaySpec(),
  decoupledWeightDecay: decoupledWeightDecaySpec,
  maximize: maximizeSpec,
} as const;

/**
 * RAdam: Adam whose adaptive step is switched on only once the variance of
 * the adaptive rate is tractable, and then rectified.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ   (decoupledWeightDecay: θ ← θ·(1 − η·λ) instead)
 * m ← β1·m + (1 − β1)·g               v ← β2·v + (1 − β2)·g²
 * m̂ = m / (1 − β1ᵗ)
 * ρ∞ = 2/(1 − β2) − 1                 ρₜ = ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)
 * ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
 *          θ ← θ − η·m̂·r·√(1 − β2ᵗ) / (√v + ε)
 * else:    θ ← θ − η·m̂
 * ```
 *
 * Options: `lr` (1e-3, ≥ 0), `betas` ([0.9, 0.999]), `eps` (1e-8, ≥ 0),
 * `weightDecay` λ (0, ≥ 0), `decoupledWeightDecay` (false), `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.RAdam`: the threshold is ρₜ > 5,
 *   as in the authors' code (the paper says 4), so with β2 = 0.999 steps 1 to 5
 *   are plain momentum steps. ε is added to the raw root √v, unlike Adam.
 *   `maximize` and `decoupledWeightDecay` come from PyTorch 2.1.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new RAdam([w], { lr: 0.1 });
 * w.grad!.set([2]);
 * opt.step(); // w.data[0] = 0.8: a momentum step of η·m̂ = 0.1·2
 * ```
 * @see Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020. https://arxiv.org/abs/1908.03265
 */
export class RAdam extends Optimizer<RAdamOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<RAdamOptions>[],
    options: Partial<RAdamOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "radam",
        displayName: "RAdam",
        specs: SPECS,
        buffers: ["m", "v"],
      },
      params,
      options,
    );
  }

  protected override initState(param: Parameter) {
    return { m: zerosLike(param.data), v: zerosLike(param.data) };
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<RAdamOptions>,
  ) {
    const { lr, betas, eps, weightDecay, decoupledWeightDecay, maximize } =
      group;
    const [beta1, beta2] = betas;
    const { m, v } = state.buffers;
    const t = state.step;
    const sign = maximize ? -1 : 1;
    const decay = decoupledWeightDecay ? 0 : weightDecay;
    const shrink = decoupledWeightDecay ? 1 - lr * weightDecay : 1;

    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * t * beta2 ** t) / c2;
    const rectified = rhoT > 5;
    const r = rectified
      ? Math.sqrt(
          ((rhoT - 4) * (rhoT - 2) * rhoInf) /
            ((rhoInf - 4) * (rhoInf - 2) * rhoT),
        )
      : 0;
    const adaptiveScale = r * Math.sqrt(c2);
    const kernels = float32Kernels(theta);
    if (kernels !== null) {
      COEFFICIENTS[0] = rectified ? 1 : 0;
      COEFFICIENTS[1] = (lr * adaptiveScale) / c1;
      COEFFICIENTS[2] = lr / c1;
      COEFFICIENTS[3] = beta1;
      COEFFICIENTS[4] = 1 - beta1;
      COEFFICIENTS[5] = beta2;
      COEFFICIENTS[6] = 1 - beta2;
      COEFFICIENTS[7] = eps;
      COEFFICIENTS[8] = sign;
      COEFFICIENTS[9] = decay;
      COEFFICIENTS[10] = shrink;
      if (
        kernels.run("radam", COEFFICIENTS, theta, grad, state.buffers, "m", "v")
      )
        return;
    }

    if (shrink !== 1) for (let i = 0; i < theta.length; i++) theta[i] *= shrink;
    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + decay * theta[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const mHat = m[i] / c1;
      theta[i] -= rectified
        ? (lr * mHat * adaptiveScale) / (Math.sqrt(v[i]) + eps)
        : lr * mHat;
    }
  }
}
