export {
  LRScheduler,
  type SchedulerSettings,
  type SchedulerStateDict,
} from "./scheduler.js";
export type { JsonNumber } from "./internal/json.js";
export { LambdaLR, type LambdaLROptions, type LrLambda } from "./lambda.js";
export { StepLR, MultiStepLR, type StepLROptions, type MultiStepLROptions } from "./step.js";
export { ConstantLR, LinearLR, type ConstantLROptions, type LinearLROptions } from "./warmup.js";
export { ExponentialLR, PolynomialLR, type ExponentialLROptions, type PolynomialLROptions } from "./decay.js";
export {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
} from "./cosine.js";
export { CyclicLR, type CyclicLROptions, type CyclicScaleFn } from "./cyclic.js";
export { OneCycleLR, type OneCycleLROptions } from "./one-cycle.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./plateau.js";
export {
  SequentialLR,
  ChainedScheduler,
  type SequentialLROptions,
  type ChainedSchedulerOptions,
} from "./composite.js";
