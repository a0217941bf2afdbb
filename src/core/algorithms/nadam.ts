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

/** Options of {@link NAdam}. */
export interface NAdamOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1). Default [0.9, 0.999]. */
  betas: [number, number];
  /** ε, ≥ 0, added to the bias-corrected root. Default 1e-8. */
  eps: number;
  /** ψ in the momentum schedule μₜ = β1·(1 − ½·0.96^(t·ψ)), ≥ 0. Default 4e-3. */
  momentumDecay: number;
  /** Decay θ by η·λ directly instead of adding λθ to g (PyTorch 2.1's NAdamW form). Default false. */
  decoupledWeightDecay: boolean;
}

const SPECS = {
  lr: lrSpec(2e-3),
  betas: betasSpec,
  eps: epsSpec(1e-8),
  weightDecay: weightDecaySpec(),
  momentumDecay: {
    type: "number",
    default: 4e-3,
    min: 0,
    example: 4e-3,
    description: "momentum decay ψ of the μₜ schedule",
  },
  decoupledWeightDecay: decoupledWeightDecaySpec,
  maximize: maximizeSpec,
} as const;

/**
 * The running product P = μ₁·…·μₜ. Each μ lies in [0, β1] and β1 < 1, so
 * P lies in [0, 1). A saved P of 1/μₜ₊₁ or more would make the next step
 * divide by 1 − P·μₜ₊₁ ≤ 0. PyTorch saves the same product as `mu_product`.
 */
const MU_PRODUCT_SPEC = {
  type: "number",
  default: undefined,
  min: 0,
  max: 1,
  exclusiveMax: true,
  example: 0.45,
  description: "running product of the momentum coefficients μ",
} as const;

/**
 * NAdam: Adam with Nesterov momentum, using Dozat's momentum schedule.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ   (decoupledWeightDecay: θ ← θ·(1 − η·λ) instead)
 * μₜ = β1·(1 − ½·0.96^(t·ψ))         μₜ₊₁ = β1·(1 − ½·0.96^((t+1)·ψ))
 * P ← P·μₜ                             (P starts at 1)
 * m ← β1·m + (1 − β1)·g               v ← β2·v + (1 − β2)·g²
 * D = √(v / (1 − β2ᵗ)) + ε
 * θ ← θ − η·(1 − μₜ)/(1 − P) · g/D − η·μₜ₊₁/(1 − P·μₜ₊₁) · m/D
 * ```
 *
 * Options: `lr` (2e-3, ≥ 0), `betas` ([0.9, 0.999]), `eps` (1e-8, ≥ 0),
 * `weightDecay` λ (0, ≥ 0), `momentumDecay` ψ (4e-3, ≥ 0),
 * `decoupledWeightDecay` (false), `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch's `torch.optim.NAdam` as corrected in PyTorch 2.0:
 *   the second denominator is 1 − P·μₜ₊₁. PyTorch 1.13's default code multiplies
 *   μₜ into that product twice, which moves the result by up to about 1e-2
 *   relative. `maximize` and `decoupledWeightDecay` come from PyTorch 2.1;
 *   1.13 has neither. The moving average m uses β1, not μₜ.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new NAdam([w], { lr: 0.1 });
 * w.grad!.set([1]);
 * opt.step(); // w.data[0] ≈ 0.894
 * ```
 * @see Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop. https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ
 */
export class NAdam extends Optimizer<NAdamOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<NAdamOptions>[],
    options: Partial<NAdamOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "nadam",
        displayName: "NAdam",
        specs: SPECS,
        buffers: ["m", "v"],
        scalars: { muProduct: MU_PRODUCT_SPEC },
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
    group: ParamGroup<NAdamOptions>,
  ) {
    const {
      lr,
      betas,
      eps,
      weightDecay,
      momentumDecay: psi,
      decoupledWeightDecay,
      maximize,
    } = group;
    const [beta1, beta2] = betas;
    const { m, v } = state.buffers;
    const t = state.step;
    const sign = maximize ? -1 : 1;
    const decay = decoupledWeightDecay ? 0 : weightDecay;
    const shrink = decoupledWeightDecay ? 1 - lr * weightDecay : 1;

    const mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
    // The product P is empty, so 1, before the first step.
    const product = (t === 1 ? 1 : state.scalars.muProduct) * mu;
    state.scalars.muProduct = product;
    const gradCoef = (lr * (1 - mu)) / (1 - product);
    const momentCoef = (lr * muNext) / (1 - product * muNext);
    const c2 = 1 - beta2 ** t;
    const kernels = float32Kernels(theta);
    if (kernels !== null) {
      COEFFICIENTS[0] = gradCoef;
      COEFFICIENTS[1] = momentCoef;
      COEFFICIENTS[2] = beta1;
      COEFFICIENTS[3] = 1 - beta1;
      COEFFICIENTS[4] = beta2;
      COEFFICIENTS[5] = 1 - beta2;
      COEFFICIENTS[6] = 1 / Math.sqrt(c2);
      COEFFICIENTS[7] = eps;
      COEFFICIENTS[8] = sign;
      COEFFICIENTS[9] = decay;
      COEFFICIENTS[10] = shrink;
      if (
        kernels.run("nadam", COEFFICIENTS, theta, grad, state.buffers, "m", "v")
      )
        return;
    }

    if (shrink !== 1) for (let i = 0; i < theta.length; i++) theta[i] *= shrink;
    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + decay * theta[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const d = Math.sqrt(v[i] / c2) + eps;
      theta[i] -= (gradCoef * g) / d + (momentCoef * m[i]) / d;
    }
  }
}
