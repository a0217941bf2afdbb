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
import { float32Kernels } from "../wasm/runtime.js";

// Per-step scalars handed to the WebAssembly kernel, filled in place so that
// a step allocates nothing; the kernel runtime copies them at once.
const COEFFICIENTS = new Float64Array(7);

/** Options of {@link Adamax}. */
export interface AdamaxOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1). Default [0.9, 0.999]. */
  betas: [number, number];
  /** ε, ≥ 0, added to |g| inside the maximum. Default 1e-8. */
  eps: number;
}

const SPECS = {
  lr: lrSpec(2e-3),
  betas: betasSpec,
  eps: epsSpec(1e-8),
  weightDecay: weightDecaySpec(),
  maximize: maximizeSpec,
} as const;

/**
 * Adamax: Adam with the second moment replaced by an exponentially weighted
 * infinity norm, which one large gradient cannot inflate beyond its own size.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * m ← β1·m + (1 − β1)·g
 * u ← max(β2·u, |g| + ε)
 * θ ← θ − η / (1 − β1ᵗ) · m / u
 * ```
 *
 * Options: `lr` (2e-3, ≥ 0), `betas` ([0.9, 0.999]), `eps` (1e-8, ≥ 0),
 * `weightDecay` λ (0, ≥ 0), `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.Adamax`: ε is added to |g|
 *   inside the maximum. Keras divides by u + ε instead.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new Adamax([w], { lr: 0.1 });
 * w.grad!.set([4]);
 * opt.step(); // w.data[0] ≈ 0.9
 * ```
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 7.1. https://arxiv.org/abs/1412.6980
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdamaxOptions>[],
    options: Partial<AdamaxOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "adamax",
        displayName: "Adamax",
        specs: SPECS,
        buffers: ["m", "u"],
      },
      params,
      options,
    );
  }

  protected override initState(param: Parameter) {
    return { m: zerosLike(param.data), u: zerosLike(param.data) };
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<AdamaxOptions>,
  ) {
    const { lr, betas, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = betas;
    const { m, u } = state.buffers;
    const sign = maximize ? -1 : 1;
    const stepSize = lr / (1 - beta1 ** state.step);
    const kernels = float32Kernels(theta);
    COEFFICIENTS[0] = stepSize;
    COEFFICIENTS[1] = beta1;
    COEFFICIENTS[2] = 1 - beta1;
    COEFFICIENTS[3] = beta2;
    COEFFICIENTS[4] = eps;
    COEFFICIENTS[5] = sign;
    COEFFICIENTS[6] = weightDecay;
    if (
      kernels?.run("adamax", COEFFICIENTS, theta, grad, state.buffers, "m", "u")
    )
      return;

    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + weightDecay * theta[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      u[i] = Math.max(beta2 * u[i], Math.abs(g) + eps);
      theta[i] -= (stepSize * m[i]) / u[i];
    }
  }
}
