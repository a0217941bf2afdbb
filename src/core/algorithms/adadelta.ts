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
const COEFFICIENTS = new Float64Array(6);

/** Options of {@link Adadelta}. */
export interface AdadeltaOptions extends BaseOptions {
  /** Decay rate ρ of both running averages, in [0, 1]. Default 0.9. */
  rho: number;
  /** ε, ≥ 0, added inside both square roots. Default 1e-6. */
  eps: number;
}

const SPECS = {
  lr: lrSpec(1.0),
  rho: {
    type: "number",
    default: 0.9,
    min: 0,
    max: 1,
    example: 0.9,
    description: "decay rate ρ",
  },
  eps: epsSpec(1e-6),
  weightDecay: weightDecaySpec(),
  maximize: maximizeSpec,
} as const;

/**
 * Adadelta: a step whose units match θ's, from running averages of squared
 * gradients and squared updates.
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ
 * v ← ρ·v + (1 − ρ)·g²
 * Δ = √(u + ε) / √(v + ε) · g
 * u ← ρ·u + (1 − ρ)·Δ²
 * θ ← θ − η·Δ
 * ```
 *
 * Options: `lr` (1.0, ≥ 0), `rho` (0.9, in [0, 1]), `eps` (1e-6, ≥ 0),
 * `weightDecay` λ (0, ≥ 0), `maximize` (false).
 *
 * @throws TypeError or RangeError for an invalid option.
 * @remarks Follows PyTorch 1.13's `torch.optim.Adadelta`. The paper has no
 *   learning rate; PyTorch scales the step by η after the accumulator update, so
 *   u keeps the unscaled Δ. Keras defaults η to 0.001. TensorFlow.js divides by
 *   the previous step's average of g², so its first step is a plain SGD step.
 * @example
 * ```ts
 * const w = new Parameter(new Float64Array([1]));
 * const opt = new Adadelta([w]);
 * w.grad!.set([1]);
 * opt.step(); // w.data[0] ≈ 0.9968: the first step is about √(ε/(1 − ρ))
 * ```
 * @see Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701, 2012. https://arxiv.org/abs/1212.5701
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  static readonly specs = SPECS;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput<AdadeltaOptions>[],
    options: Partial<AdadeltaOptions> & OptimizerSettings = {},
  ) {
    super(
      {
        algorithm: "adadelta",
        displayName: "Adadelta",
        specs: SPECS,
        buffers: ["v", "u"],
      },
      params,
      options,
    );
  }

  protected override initState(param: Parameter) {
    return { v: zerosLike(param.data), u: zerosLike(param.data) };
  }

  protected override update(
    theta: FloatArray,
    grad: FloatArray,
    state: ParamState,
    group: ParamGroup<AdadeltaOptions>,
  ) {
    const { lr, rho, eps, weightDecay, maximize } = group;
    const { v, u } = state.buffers;
    const sign = maximize ? -1 : 1;
    const kernels = float32Kernels(theta);
    COEFFICIENTS[0] = lr;
    COEFFICIENTS[1] = sign;
    COEFFICIENTS[2] = weightDecay;
    COEFFICIENTS[3] = rho;
    COEFFICIENTS[4] = 1 - rho;
    COEFFICIENTS[5] = eps;
    if (
      kernels?.run(
        "adadelta",
        COEFFICIENTS,
        theta,
        grad,
        state.buffers,
        "v",
        "u",
      )
    )
      return;

    for (let i = 0; i < theta.length; i++) {
      const g = sign * grad[i] + weightDecay * theta[i];
      v[i] = rho * v[i] + (1 - rho) * g * g;
      const delta = (Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps)) * g;
      u[i] = rho * u[i] + (1 - rho) * delta * delta;
      theta[i] -= lr * delta;
    }
  }
}
