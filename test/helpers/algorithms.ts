/**
 * The algorithm table that drives the contract and property suites: each
 * name createOptimizer accepts, with options that suit a small quadratic.
 */
export interface AlgorithmCase {
  name: string;
  /** Options that make the quadratic test converge. */
  options: Record<string, unknown>;
  /** Whether weight decay acts even when lr is 0 (AdaBoundW decays by λθ alone). */
  decayIgnoresLr?: boolean;
}

export const ALGORITHM_CASES: readonly AlgorithmCase[] = [
  { name: "sgd", options: { lr: 0.1 } },
  { name: "momentum", options: { lr: 0.05 } },
  { name: "nesterov", options: { lr: 0.05 } },
  { name: "adagrad", options: { lr: 0.5 } },
  { name: "adadelta", options: { lr: 5 } },
  { name: "rmsprop", options: { lr: 0.01 } },
  { name: "adam", options: { lr: 0.05 } },
  { name: "amsgrad", options: { lr: 0.05 } },
  { name: "adamw", options: { lr: 0.05 } },
  { name: "adamax", options: { lr: 0.05 } },
  { name: "nadam", options: { lr: 0.05 } },
  { name: "radam", options: { lr: 0.05 } },
  { name: "adabound", options: { lr: 0.05, finalLr: 0.1 } },
  { name: "amsbound", options: { lr: 0.05, finalLr: 0.1 } },
  {
    name: "adaboundw",
    options: { lr: 0.05, finalLr: 0.1 },
    decayIgnoresLr: true,
  },
];

/** Curvatures of the test quadratic f(x) = ½ Σ aᵢ xᵢ². */
export const CURVATURES = [1, 2, 0.5, 4, 0.25];

export function quadraticValue(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += 0.5 * CURVATURES[i] * x[i] * x[i];
  return sum;
}

export function quadraticGradient(
  x: ArrayLike<number>,
  out: { [i: number]: number },
): void {
  for (let i = 0; i < x.length; i++) out[i] = CURVATURES[i] * x[i];
}
