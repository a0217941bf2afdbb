import {
  type BaseOptions,
  Optimizer,
  type OptimizerSettings,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from "../optimizer.js";
import type { FloatArray, Parameter } from "../parameter.js";
import { epsSpec, lrSpec, maximizeSpec, weightDecaySpec } from "../options.js";
import { float32Kernels } from "../wasm/runtime.js";

// Per-step scalars handed to the WebAssembly kernel, filled in place so that
// a step allocates nothing; the kernel runtime copies them at once.
const COEFFICIENTS = new Float64Array(4);

/** Options of {@link Adagrad}. */
export interface AdagradOptions extends BaseOptions {
  /** Decay of the learning rate per step, ≥ 0. Default 0. */
  lrDecay: number;
  /** Starting value of the squared-gradient sum, ≥ 0. Default 0. */
  initialAccumulatorValue: number;
  /** ε, ≥ 0, added outside the square root. Default 1e-10. */
  eps: number;
}

const SPECS = {
  lr: lrSpec(1e-2),
  lrDecay: {
    type: "number",
    default: 0,
    min: 0,
    example: 0,
    description: "learning-rate decay per step",
  },
  weightDecay: weightDecaySpec(),
  initialAccumulatorValue: {
    type: "number",
    default: 0,
    min: 0,
    example: 0.1,
    description: "starting value s₀ of the squared-gradient sum",
  },
  eps: epsSpec(1e-10),
  maximize: maximizeSpec,
} as const;

/**
 * Adagrad: each coordinate's step shrinks with the sum of its squared gradients.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * s ← s + g²                         (s starts at initialAccumulatorValue)
 * θ ← θ − η / (1 + (t − 1)·lrDecay) · g / (√s + ε)
 * ```
 *
 * Options: `lr` (1e-2, ≥ 0), `lrDecay` (0, ≥ 0), `weightDecay` λ (0, ≥ 0),
 * `initialAccumulatorValue` (0, ≥ 0), `eps` (1e-10, ≥ 0), `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.Adagrad`, with ε outside the
 *   root. TensorFlow.js's Adagrad ignores a caller's ε. Since s only grows,
 *   the effective learning rate η/(√s + ε) falls towards zero over a long run.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new Adagrad([w], { lr: 0.5 });
 * w.grad!.set([3]);
 * opt.step(); // w.data[0] ≈ 0.5: the first step moves by about lr
 * ```
 * @see Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", JMLR 12, 2011. https://jmlr.org/papers/v12/duchi11a.html
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdagradOptions>[],
    options: Partial<AdagradOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "adagrad",
        displayName: "Adagrad",
        specs: SPECS,
        buffers: ["sum"],
      },
      params,
      options,
    );
  }

  protected override initState(
    param: Parameter,
    group: ParamGroup<AdagradOptions>,
  ) {
    const sum = new (param.data.constructor as Float64ArrayConstructor)(
      param.data.length,
    );
    sum.fill(group.initialAccumulatorValue);
    return { sum };
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<AdagradOptions>,
  ) {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    const s = state.buffers.sum;
    const sign = maximize ? -1 : 1;
    const clr = lr / (1 + (state.step - 1) * lrDecay);
    const kernels = float32Kernels(theta);
    COEFFICIENTS[0] = clr;
    COEFFICIENTS[1] = sign;
    COEFFICIENTS[2] = weightDecay;
    COEFFICIENTS[3] = eps;
    if (
      kernels?.run("adagrad", COEFFICIENTS, theta, grad, state.buffers, "sum")
    )
      return;

    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + weightDecay * theta[i];
      s[i] += g * g;
      theta[i] -= (clr * g) / (Math.sqrt(s[i]) + eps);
    }
  }
}
