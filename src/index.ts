export * from "./core/index.js";
export { clipGradNorm, clipGradValue, type ClipGradNormOptions, type ClipGradValueOptions } from "./core/clip.js";
export {
  GradientAccumulator,
  type GradientAccumulatorOptions,
  type GradientAccumulatorStateDict,
} from "./core/accumulate.js";
export {
  ExponentialMovingAverage,
  type ExponentialMovingAverageOptions,
  type ExponentialMovingAverageStateDict,
} from "./core/ema.js";
export * from "./schedules/index.js";
export {
  type Domain,
  type Minimum,
  type Point,
  type TestFunction,
  type Trajectory,
  DEFAULT_LEARNING_RATES as LANDSCAPE_LEARNING_RATES,
  TrajectoryStepper,
  defaultLearningRate,
  distanceToNearestMinimum,
  getTestFunction,
  runTrajectory,
  testFunctionNames,
  testFunctions,
} from "./landscape/index.js";
