export {
  Parameter,
  isFloatArray,
  type FloatArray,
  type ParameterOptions,
} from "./parameter.js";
export {
  Optimizer,
  type BaseOptions,
  type OptimizerSettings,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from "./optimizer.js";
export {
  getKernelBackend,
  setKernelBackend,
  type KernelBackend,
  type KernelBackendSetting,
} from "./wasm/runtime.js";
export {
  StateDictError,
  type OptionSpec,
  type OptionSpecs,
} from "./validation.js";
export { SGD, type SGDOptions } from "./algorithms/sgd.js";
export { Adagrad, type AdagradOptions } from "./algorithms/adagrad.js";
export { Adadelta, type AdadeltaOptions } from "./algorithms/adadelta.js";
export { RMSprop, type RMSpropOptions } from "./algorithms/rmsprop.js";
export { Adam, AdamW, type AdamOptions } from "./algorithms/adam.js";
export { Adamax, type AdamaxOptions } from "./algorithms/adamax.js";
export { NAdam, type NAdamOptions } from "./algorithms/nadam.js";
export { RAdam, type RAdamOptions } from "./algorithms/radam.js";
export {
  AdaBound,
  AMSBound,
  AdaBoundW,
  type AdaBoundOptions,
} from "./algorithms/adabound.js";
export {
  algorithms,
  algorithmNames,
  createOptimizer,
  isAlgorithmName,
  type AlgorithmInfo,
  type AlgorithmName,
  type AlgorithmOptionsByName,
  type OptionInfo,
  type OptionsFor,
} from "./registry.js";
export {
  effectiveLearningRate,
  type EffectiveLrSummary,
} from "./effective-lr.js";
