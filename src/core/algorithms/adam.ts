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
const COEFFICIENTS = new Float64Array(11);

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1). Default [0.9, 0.999]. */
  betas: [number, number];
  /** ε, ≥ 0, added to the bias-corrected root. Default 1e-8. */
  eps: number;
  /** Use AMSGrad's running maximum of v. Default false. */
  amsgrad: boolean;
}

function adamSpecs(defaultDecay: number) {
  return {
    lr: lrSpec(1e-3),
    betas: betasSpec,
    eps: epsSpec(1e-8),
    weightDecay: weightDecaySpec(defaultDecay),
    amsgrad: {
      type: "boolean",
      default: false,
      description: "use AMSGrad's maximum of v",
    },
    maximize: maximizeSpec,
  } as const;
}

const ADAM_BUFFERS = ["m", "v", "vMax"] as const;

/**
 * Updates one tensor with Adam's rule. `decay` is the L2 coefficient added to
 * the gradient, and `shrink` the factor θ is multiplied by first: AdamW
 * passes 0 and 1 − η·λ, Adam λ and 1.
 */
function adamKernel(
  theta: FloatArray,
  grad: FloatArray,
  state: ParamState,
  group: ParamGroup<AdamOptions>,
  decay: number,
  shrink: number,
): void {
  const { lr, betas, eps, amsgrad, maximize } = group;
  const [beta1, beta2] = betas;
  const { m, v, vMax } = state.buffers;
  const sign = maximize ? -1 : 1;
  const t = state.step;
  const c1 = 1 - beta1 ** t;
  const sqrtC2 = Math.sqrt(1 - beta2 ** t);
  const stepSize = lr / c1;
  const kernels = float32Kernels(theta);
  if (kernels !== null) {
    COEFFICIENTS[0] = stepSize;
    COEFFICIENTS[1] = beta1;
    COEFFICIENTS[2] = 1 - beta1;
    COEFFICIENTS[3] = beta2;
    COEFFICIENTS[4] = 1 - beta2;
    COEFFICIENTS[5] = 1 / sqrtC2;
    COEFFICIENTS[6] = eps;
    COEFFICIENTS[7] = sign;
    COEFFICIENTS[8] = decay;
    COEFFICIENTS[9] = shrink;
    COEFFICIENTS[10] = amsgrad ? 1 : 0;
    if (
      kernels.run(
        "adam",
        COEFFICIENTS,
        theta,
        grad,
        state.buffers,
        "m",
        "v",
        amsgrad ? "vMax" : undefined,
      )
    )
      return;
  }

  if (shrink !== 1) for (let i = 0; i < theta.length; i++) theta[i] *= shrink;
  for (let i = 0; i < theta.length; i++) {
    const g = sign * grad[i] + decay * theta[i];

    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;

    // AMSGrad keeps the maximum of the raw averages and corrects it afterwards.
    let vUsed = v[i];
    if (amsgrad) vUsed = vMax[i] = Math.max(vMax[i], v[i]);

    theta[i] -= (stepSize * m[i]) / (Math.sqrt(vUsed) / sqrtC2 + eps);
  }
}

function adamState(
  param: Parameter,
  group: { amsgrad: boolean },
): Record<string, FloatArray> {
  const buffers: Record<string, FloatArray> = {
    m: zerosLike(param.data),
    v: zerosLike(param.data),
  };
  if (group.amsgrad) buffers.vMax = zerosLike(param.data);
  return buffers;
}

/**
 * Adam: per-coordinate step sizes from running averages of the gradient and its square.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 * vMax ← max(vMax, v), used in place of v   (amsgrad only)
 * c1 = 1 − β1ᵗ                    c2 = 1 − β2ᵗ
 * θ ← θ − (η / c1) · m / (√v / √c2 + ε)
 * ```
 *
 * Options: `lr` (1e-3, ≥ 0), `betas` ([0.9, 0.999], each in [0, 1)), `eps`
 * (1e-8, ≥ 0), `weightDecay` λ (0, ≥ 0, L2), `amsgrad` (false), `maximize` (false).
 * The alias `"amsgrad"` in {@link createOptimizer} is Adam with `amsgrad: true`.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.Adam`: ε is added to the
 *   bias-corrected root √(v/c2), as in the paper. Keras adds ε to the raw root
 *   (the paper's "ε-hat" form), which gives other numbers while v is small;
 *   TensorFlow.js 4.22 uses the corrected root but defaults ε to 1e-7.
 *   AMSGrad takes the maximum of the raw v, as PyTorch does, not of the
 *   bias-corrected v̂.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new Adam([w], { lr: 0.1 });
 * w.grad!.set([2]);
 * opt.step(); // w.data[0] ≈ 0.9: Adam's first step moves each coordinate by about lr
 * ```
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015. https://arxiv.org/abs/1412.6980
 * @see Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad). https://openreview.net/forum?id=ryQu7f-RZ
 */
export class Adam extends Optimizer<AdamOptions> {
  static readonly specs = adamSpecs(0);

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdamOptions>[],
    options: Partial<AdamOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "adam",
        displayName: "Adam",
        specs: Adam.specs,
        buffers: ADAM_BUFFERS,
        optionalBuffers: ["vMax"],
      },
      params,
      options,
    );
  }

  protected override initState(
    param: Parameter,
    group: ParamGroup<AdamOptions>,
  ) {
    return adamState(param, group);
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<AdamOptions>,
  ) {
    if (group.amsgrad && state.buffers.vMax === undefined)
      state.buffers.vMax = zerosLike(theta);
    adamKernel(theta, grad, state, group, group.weightDecay, 1);
  }
}

/**
 * AdamW: Adam with weight decay decoupled from the gradient.
 *
 * ```text
 * g ← −g if maximize
 * θ ← θ · (1 − η·λ)
 * then Adam's update of θ with g (no L2 term)
 * ```
 *
 * Options as {@link Adam}, except `weightDecay` λ defaults to 1e-2.
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.AdamW`: the decay is multiplied
 *   by the current learning rate, so a scheduler scales it too, and it applies
 *   even when the gradient is zero. The paper multiplies λ by a separate
 *   schedule multiplier instead.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
 * w.grad!.set([0]);
 * opt.step(); // w.data[0] = 0.95: only the decay acts on a zero gradient
 * ```
 * @see Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019. https://arxiv.org/abs/1711.05101
 */
export class AdamW extends Optimizer<AdamOptions> {
  static readonly specs = adamSpecs(1e-2);

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdamOptions>[],
    options: Partial<AdamOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "adamw",
        displayName: "AdamW",
        specs: AdamW.specs,
        buffers: ADAM_BUFFERS,
        optionalBuffers: ["vMax"],
      },
      params,
      options,
    );
  }

  protected override initState(
    param: Parameter,
    group: ParamGroup<AdamOptions>,
  ) {
    return adamState(param, group);
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<AdamOptions>,
  ) {
    if (group.amsgrad && state.buffers.vMax === undefined)
      state.buffers.vMax = zerosLike(theta);
    adamKernel(theta, grad, state, group, 0, 1 - group.lr * group.weightDecay);
  }
}
