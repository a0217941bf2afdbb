export {
  type Domain,
  type Minimum,
  type Point,
  type TestFunction,
  QUADRATIC_CONDITION,
  beale,
  booth,
  distanceToNearestMinimum,
  getTestFunction,
  himmelblau,
  monkeySaddle,
  quadratic,
  rastrigin,
  rosenbrock,
  saddle,
  sixHumpCamel,
  styblinskiTang,
  testFunctionNames,
  testFunctions,
} from "./functions.js";
export { type Trajectory, TrajectoryStepper, runTrajectory } from "./trajectory.js";
export { DEFAULT_LEARNING_RATES, defaultLearningRate } from "./learning-rates.js";
export {
  type ContourBand,
  type ContourMap,
  type ContourOptions,
  contourColor,
  contourMap,
  sampleGrid,
} from "./contours.js";
export { type PlotOptions, type PlotRun, formatValue, landscapeSvg } from "./svg.js";
