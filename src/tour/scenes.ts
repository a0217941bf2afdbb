/**
 * The tour's two-dimensional scenes as plain data: a test function, a start,
 * a step count and the optimizers to race, each with its options. The tour
 * runs them with `runTrajectory`; the playground can import this module to
 * replay them, since it depends on core and landscape only.
 */
import type { Point } from "../landscape/functions.js";
import { defaultLearningRate } from "../landscape/learning-rates.js";

/** One optimizer of a scene, as `createOptimizer` takes it. */
export interface SceneRun {
  /** Legend text, unique within the scene. */
  label: string;
  /** Name `createOptimizer` accepts, such as `"momentum"`. */
  optimizer: string;
  /** Options, `lr` always included. */
  options: Readonly<Record<string, unknown>>;
}

/** A two-dimensional scene of the tour. */
export interface LandscapeScene {
  /** Unique key, such as `"saddle"`. */
  id: string;
  /** Id of the tour section that shows it. */
  section: string;
  /** One line on what to watch for. */
  caption: string;
  /** Name of the landscape test function, as `getTestFunction` takes it. */
  functionName: string;
  start: Point;
  steps: number;
  runs: readonly SceneRun[];
}

/** Runs of the listed optimizers at the landscape's default rate for `functionName`. */
function atDefaultRates(functionName: string, optimizers: readonly string[]): SceneRun[] {
  return optimizers.map((optimizer) => ({
    label: optimizer,
    optimizer,
    options: { lr: defaultLearningRate(optimizer, functionName) },
  }));
}

/** SGD on the ill-conditioned quadratic at four learning rates around its stability limit 2/50. */
export const learningRateScene: LandscapeScene = {
  id: "learning-rate",
  section: "learning-rate",
  caption: "one optimizer, four learning rates: crawl, glide, zigzag, blow up",
  functionName: "quadratic",
  start: [-2.5, -1.5],
  steps: 100,
  runs: [0.002, 0.02, 0.038, 0.042].map((lr) => ({ label: `sgd, lr ${lr}`, optimizer: "sgd", options: { lr } })),
};

const SADDLE_OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"] as const;

/** A start close to the saddle's ridge y = 0, where the gradient across it is tiny. */
export const saddleScene: LandscapeScene = {
  id: "saddle",
  section: "saddle",
  caption: "who leaves the ridge of the saddle x² − y² first",
  functionName: "saddle",
  start: [-1.9, 0.01],
  steps: 150,
  runs: atDefaultRates("saddle", SADDLE_OPTIMIZERS),
};

/** A start in the flat centre of the monkey saddle, whose gradient and curvature vanish at the origin. */
export const flatScene: LandscapeScene = {
  id: "monkey-saddle",
  section: "saddle",
  caption: "the flat centre of the monkey saddle, where the gradient fades quadratically",
  functionName: "monkey-saddle",
  start: [0.3, 0.05],
  steps: 400,
  runs: atDefaultRates("monkey-saddle", SADDLE_OPTIMIZERS),
};

/** SGD with and without momentum, same learning rate, among the six-hump camel's local minima. */
export const localMinimaScene: LandscapeScene = {
  id: "local-minima",
  section: "momentum",
  caption: "the same learning rate with and without momentum 0.9 among local minima",
  functionName: "six-hump-camel",
  start: [-1.8, -1.1],
  steps: 200,
  runs: [
    { label: "sgd", optimizer: "sgd", options: { lr: 0.01 } },
    { label: "momentum", optimizer: "sgd", options: { lr: 0.01, momentum: 0.9 } },
  ],
};

/**
 * SGD in a ravine at a rate that makes it zigzag, and momentum 0.9 at a tenth
 * of that rate, which gives the same step on a steady slope (η/(1 − μ)).
 */
export const ravineScene: LandscapeScene = {
  id: "ravine",
  section: "momentum",
  caption: "zigzag across the ravine against momentum at the same step on a steady slope",
  functionName: "quadratic",
  start: [-2.5, -1.5],
  steps: 100,
  runs: [
    { label: "sgd", optimizer: "sgd", options: { lr: 0.035 } },
    { label: "momentum", optimizer: "sgd", options: { lr: 0.0035, momentum: 0.9 } },
  ],
};

/** Classical and Nesterov momentum with the same rate and μ in the ravine. */
export const nesterovScene: LandscapeScene = {
  id: "nesterov",
  section: "nesterov",
  caption: "classical against Nesterov momentum, same η and μ",
  functionName: "quadratic",
  start: [-2.5, -1.5],
  steps: 100,
  runs: [
    { label: "momentum", optimizer: "sgd", options: { lr: 0.01, momentum: 0.9 } },
    { label: "nesterov", optimizer: "sgd", options: { lr: 0.01, momentum: 0.9, nesterov: true } },
  ],
};

/** Adam and Nadam with the same options in the ravine. */
export const nadamScene: LandscapeScene = {
  id: "nadam",
  section: "nadam",
  caption: "Adam against Nadam, same learning rate and betas",
  functionName: "quadratic",
  start: [-2.5, -1.5],
  steps: 200,
  runs: [
    { label: "adam", optimizer: "adam", options: { lr: 0.2 } },
    { label: "nadam", optimizer: "nadam", options: { lr: 0.2 } },
  ],
};

const ADAM_PARTS = ["momentum", "rmsprop", "adam"] as const;

/** Adam against its two ingredients on Rosenbrock's valley. */
export const adamRosenbrockScene: LandscapeScene = {
  id: "adam-rosenbrock",
  section: "adam",
  caption: "Adam against momentum alone and per-parameter rates alone",
  functionName: "rosenbrock",
  start: [-1.2, 1],
  steps: 500,
  runs: atDefaultRates("rosenbrock", ADAM_PARTS),
};

/** Adam against its two ingredients on Beale's plateaus. */
export const adamBealeScene: LandscapeScene = {
  id: "adam-beale",
  section: "adam",
  caption: "Adam against momentum alone and per-parameter rates alone",
  functionName: "beale",
  start: [1, 1.5],
  steps: 500,
  runs: atDefaultRates("beale", ADAM_PARTS),
};

/** Every two-dimensional scene, in the order the tour shows them. */
export const landscapeScenes: readonly LandscapeScene[] = [
  learningRateScene,
  saddleScene,
  flatScene,
  localMinimaScene,
  ravineScene,
  nesterovScene,
  adamRosenbrockScene,
  adamBealeScene,
  nadamScene,
];
