import {
  type BaseOptions,
  Optimizer,
  type OptimizerSettings,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from "../optimizer.js";
import type { FloatArray, Parameter } from "../parameter.js";
import { lrSpec, maximizeSpec, weightDecaySpec } from "../options.js";
import { invalidCombination } from "../validation.js";
import { float32Kernels } from "../wasm/runtime.js";

// Per-step scalars handed to the WebAssembly kernel, filled in place so that
// a step allocates nothing; the kernel runtime copies them at once.
const COEFFICIENTS = new Float64Array(6);

/** Options of {@link SGD}; `lr`, `weightDecay` and `maximize` are described on {@link BaseOptions}. */
export interface SGDOptions extends BaseOptions {
  /** Momentum factor μ, ≥ 0. Default 0 (plain gradient descent). */
  momentum: number;
  /** Dampening τ of the momentum buffer, ≥ 0. Default 0. */
  dampening: number;
  /** Use Nesterov momentum; needs `momentum` > 0 and `dampening` 0. Default false. */
  nesterov: boolean;
}

const SPECS = {
  lr: lrSpec(undefined),
  momentum: {
    type: "number",
    default: 0,
    min: 0,
    example: 0.9,
    description: "momentum factor μ",
  },
  dampening: {
    type: "number",
    default: 0,
    min: 0,
    example: 0,
    description: "dampening τ",
  },
  weightDecay: weightDecaySpec(),
  nesterov: {
    type: "boolean",
    default: false,
    description: "use Nesterov momentum",
  },
  maximize: maximizeSpec,
} as const;

/**
 * Stochastic gradient descent, optionally with momentum or Nesterov momentum.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * b ← g                          on the parameter's first step
 * b ← μ·b + (1 − τ)·g            afterwards
 * d ← g + μ·b if nesterov, else b   (d ← g when μ = 0)
 * θ ← θ − η·d
 * ```
 *
 * Options: `lr` (required, ≥ 0), `momentum` μ (0, ≥ 0), `dampening` τ (0, ≥ 0),
 * `weightDecay` λ (0, ≥ 0), `nesterov` (false), `maximize` (false).
 *
 * Whether this is batch, stochastic or minibatch gradient descent depends only
 * on how many samples the caller averages into each gradient.
 *
 * @throws TypeError or RangeError for an invalid option; RangeError when
 *   `nesterov` is set with `momentum` 0 or a non-zero `dampening`.
 * @remarks Follows PyTorch 1.13's `torch.optim.SGD`: the learning rate multiplies
 *   the buffer's output and is not stored in it (Sutskever et al. and Keras keep
 *   η inside, which differs once η changes), and the first momentum step copies
 *   the gradient without dampening.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1, -2]));
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
 * w.grad!.set([0.5, -0.5]);
 * opt.step(); // w.data is now [0.95, -1.95]
 * ```
 * @see Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013. https://proceedings.mlr.press/v28/sutskever13.html
 */
export class SGD extends Optimizer<SGDOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<SGDOptions>[],
    options: Partial<SGDOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "sgd",
        displayName: "SGD",
        specs: SPECS,
        buffers: ["momentumBuffer"],
        optionalBuffers: ["momentumBuffer"],
      },
      params,
      options,
    );
  }

  protected override checkCombination(
    options: SGDOptions,
    where: string,
  ): void {
    if (
      options.nesterov &&
      (options.momentum <= 0 || options.dampening !== 0)
    ) {
      invalidCombination(
        where,
        `nesterov needs momentum > 0 and dampening 0, got momentum ${options.momentum} and dampening ${options.dampening}`,
        "Set momentum: 0.9, dampening: 0, or turn nesterov off",
      );
    }
  }

  protected override initState(): Record<string, FloatArray> {
    return {};
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<SGDOptions>,
  ): void {
    const {
      lr,
      momentum: mu,
      dampening,
      weightDecay,
      nesterov,
      maximize,
    } = group;
    const sign = maximize ? -1 : 1;
    const kernels = float32Kernels(theta);
    if (mu === 0) {
      COEFFICIENTS[0] = lr;
      COEFFICIENTS[1] = sign;
      COEFFICIENTS[2] = weightDecay;
      if (kernels?.run("sgd", COEFFICIENTS, theta, grad, state.buffers)) return;
      for (let i = 0; i < theta.length; i++) {
        const g = sign * grad[i] + weightDecay * theta[i];
        theta[i] -= lr * g;
      }
      return;
    }

    // The buffer starts as a copy of the first gradient, without dampening.
    let b = state.buffers.momentumBuffer;
    const first = b === undefined;
    if (first)
      b = state.buffers.momentumBuffer = new (
        theta.constructor as Float64ArrayConstructor
      )(theta.length);
    // A buffer created in this step is not in WebAssembly memory yet, so the loop below runs.
    COEFFICIENTS[0] = lr;
    COEFFICIENTS[1] = sign;
    COEFFICIENTS[2] = weightDecay;
    COEFFICIENTS[3] = mu;
    COEFFICIENTS[4] = 1 - dampening;
    COEFFICIENTS[5] = nesterov ? 1 : 0;
    if (
      kernels?.run(
        "sgd_momentum",
        COEFFICIENTS,
        theta,
        grad,
        state.buffers,
        "momentumBuffer",
      )
    )
      return;
    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + weightDecay * theta[i];
      b[i] = first ? g : mu * b[i] + (1 - dampening) * g;
      const d = nesterov ? g + mu * b[i] : b[i];
      theta[i] -= lr * d;
    }
  }
}
