export {
  DescentOptimizer,
  createTfjsOptimizer,
  type TfjsOptimizerOptions,
} from "./optimizer.js";
export type { NamedTensor } from "./weights.js";
