import type { Point } from "../../src/landscape/index.js";
import type { CustomFunctionInput } from "../src/custom-function.js";

/** A runnable playground setup that shows one idea. */
export interface Example {
  /** File name without extension, e.g. "01-adam-vs-sgd". */
  id: string;
  title: string;
  /** The one idea the example shows, in a sentence or two. */
  idea: string;
  /** A built-in test function's name, or a custom function. */
  function: string | CustomFunctionInput;
  /** Start point; defaults to the function's own. */
  start?: Point;
  /** Steps to run; defaults to the function's own. */
  steps?: number;
  /** The optimizers switched on, with options that differ from the playground's defaults. */
  optimizers: { name: string; options?: Record<string, unknown> }[];
}
