import type {
  BetasOptionSpec,
  BooleanOptionSpec,
  NumberOptionSpec,
} from "./validation.js";

/** Spec of the learning rate `lr`, with the algorithm's default. */
export function lrSpec(defaultLr: number | undefined): NumberOptionSpec {
  return {
    type: "number",
    default: defaultLr,
    min: 0,
    example: defaultLr ?? 0.01,
    description: "learning rate η",
  };
}

/** Spec of `weightDecay` (λ); L2 unless the algorithm says it decouples it. */
export function weightDecaySpec(defaultDecay = 0): NumberOptionSpec {
  return {
    type: "number",
    default: defaultDecay,
    min: 0,
    example: 0.01,
    description: "weight decay λ",
  };
}

export const maximizeSpec: BooleanOptionSpec = {
  type: "boolean",
  default: false,
  description: "climb the objective instead of descending it",
};

export const betasSpec: BetasOptionSpec = {
  type: "betas",
  default: [0.9, 0.999],
  description: "decay rates β1 and β2 of the first and second moment averages",
};

/** Spec of the denominator term `eps` (ε). */
export function epsSpec(defaultEps: number): NumberOptionSpec {
  return {
    type: "number",
    default: defaultEps,
    min: 0,
    example: defaultEps,
    description: "term ε added for numerical stability",
  };
}

/** Spec of `decoupledWeightDecay`, PyTorch 2.1's option of NAdam and RAdam. */
export const decoupledWeightDecaySpec: BooleanOptionSpec = {
  type: "boolean",
  default: false,
  description: "decay θ directly, as AdamW does",
};
