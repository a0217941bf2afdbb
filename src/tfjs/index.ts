export {
  DescentOptimizer,
  createTfjsOptimizer,
  type TfjsOptimizerOptions,
  type TfjsOptionsFor,
} from "./optimizer.js";
export type { NamedTensor } from "./weights.js";
export { installWasmTrainingKernels } from "./wasm-kernels.js";
