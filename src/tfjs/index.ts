export {
  DescentOptimizer,
  createTfjsOptimizer,
  type TfjsOptimizerOptions,
} from "./optimizer.js";
export type { NamedTensor } from "./weights.js";
export { installWasmTrainingKernels } from "./wasm-kernels.js";
