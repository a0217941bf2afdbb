import {
  type BaseOptions,
  Optimizer,
  type OptimizerSettings,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from "../optimizer.js";
import { type FloatArray, type Parameter, zerosLike } from "../parameter.js";
import { epsSpec, lrSpec, maximizeSpec, weightDecaySpec } from "../options.js";
import { float32Kernels } from "../wasm/runtime.js";

// Per-step scalars handed to the WebAssembly kernel, filled in place so that
// a step allocates nothing; the kernel runtime copies them at once.
const COEFFICIENTS = new Float64Array(9);

/** Options of {@link RMSprop}. */
export interface RMSpropOptions extends BaseOptions {
  /** Decay rate α of the squared-gradient average, in [0, 1]. Default 0.99. */
  alpha: number;
  /** ε, ≥ 0, added outside the square root. Default 1e-8. */
  eps: number;
  /** Momentum factor μ, ≥ 0. Default 0. */
  momentum: number;
  /** Divide by an estimate of the gradient's variance instead of its raw second moment. Default false. */
  centered: boolean;
}

const SPECS = {
  lr: lrSpec(1e-2),
  alpha: {
    type: "number",
    default: 0.99,
    min: 0,
    max: 1,
    example: 0.99,
    description: "decay rate α",
  },
  eps: epsSpec(1e-8),
  weightDecay: weightDecaySpec(),
  momentum: {
    type: "number",
    default: 0,
    min: 0,
    example: 0.9,
    description: "momentum factor μ",
  },
  centered: {
    type: "boolean",
    default: false,
    description: "divide by the centered second moment",
  },
  maximize: maximizeSpec,
} as const;

/**
 * RMSprop: divides the gradient by a running root mean square of recent gradients.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * v ← α·v + (1 − α)·g²
 * centered:   a ← α·a + (1 − α)·g;   D = √max(v − a², 0) + ε
 * otherwise:  D = √v + ε
 * μ > 0:      b ← μ·b + g / D;       θ ← θ − η·b
 * μ = 0:      θ ← θ − η·g / D
 * ```
 *
 * Options: `lr` (1e-2, ≥ 0), `alpha` (0.99, in [0, 1]), `eps` (1e-8, ≥ 0),
 * `weightDecay` λ (0, ≥ 0), `momentum` μ (0, ≥ 0), `centered` (false),
 * `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.RMSprop`: ε sits outside the
 *   root and the momentum buffer holds g/D without η, so a new learning rate
 *   applies to the whole buffer at once (TensorFlow 1 and Keras keep η inside
 *   the buffer). One departure: in the centered form the variance v − a² is
 *   clamped at 0 before the root. It is never negative in exact arithmetic, but
 *   rounding can make it a tiny negative number, where PyTorch returns NaN.
 *   TensorFlow.js subtracts ε under the root and goes NaN on small constant gradients.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new RMSprop([w], { lr: 0.01 });
 * w.grad!.set([1]);
 * opt.step(); // w.data[0] ≈ 0.9: the first step is η/√(1 − α)
 * ```
 * @see Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e, 2012. https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf
 * @see Graves, "Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850, 2013 (the centered form). https://arxiv.org/abs/1308.0850
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<RMSpropOptions>[],
    options: Partial<RMSpropOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "rmsprop",
        displayName: "RMSprop",
        specs: SPECS,
        buffers: ["v", "gradAvg", "momentumBuffer"],
        optionalBuffers: ["gradAvg", "momentumBuffer"],
      },
      params,
      options,
    );
  }

  protected override initState(
    param: Parameter,
    group: ParamGroup<RMSpropOptions>,
  ) {
    const buffers: Record<string, FloatArray> = { v: zerosLike(param.data) };
    if (group.centered) buffers.gradAvg = zerosLike(param.data);
    if (group.momentum > 0) buffers.momentumBuffer = zerosLike(param.data);
    return buffers;
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<RMSpropOptions>,
  ) {
    const {
      lr,
      alpha,
      eps,
      weightDecay,
      momentum: mu,
      centered,
      maximize,
    } = group;
    const buffers = state.buffers;
    if (centered) buffers.gradAvg ??= zerosLike(theta);
    if (mu > 0) buffers.momentumBuffer ??= zerosLike(theta);
    const { v, gradAvg: a, momentumBuffer: b } = buffers;
    const sign = maximize ? -1 : 1;
    const kernels = float32Kernels(theta);
    if (kernels !== null) {
      COEFFICIENTS[0] = lr;
      COEFFICIENTS[1] = sign;
      COEFFICIENTS[2] = weightDecay;
      COEFFICIENTS[3] = alpha;
      COEFFICIENTS[4] = 1 - alpha;
      COEFFICIENTS[5] = eps;
      COEFFICIENTS[6] = mu;
      COEFFICIENTS[7] = centered ? 1 : 0;
      COEFFICIENTS[8] = mu > 0 ? 1 : 0;
      const average = centered ? "gradAvg" : undefined;
      const momentum = mu > 0 ? "momentumBuffer" : undefined;
      if (
        kernels.run(
          "rmsprop",
          COEFFICIENTS,
          theta,
          grad,
          buffers,
          "v",
          average,
          momentum,
        )
      )
        return;
    }

    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + weightDecay * theta[i];
      v[i] = alpha * v[i] + (1 - alpha) * g * g;

      let d: number;
      if (centered) {
        a[i] = alpha * a[i] + (1 - alpha) * g;
        d = Math.sqrt(Math.max(v[i] - a[i] * a[i], 0)) + eps;
      } else {
        d = Math.sqrt(v[i]) + eps;
      }

      if (mu > 0) {
        b[i] = mu * b[i] + g / d;
        theta[i] -= lr * b[i];
      } else {
        theta[i] -= (lr * g) / d;
      }
    }
  }
}
