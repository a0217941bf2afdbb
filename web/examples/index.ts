import type { Example } from "./example.js";
import { example as adamVsSgd } from "./01-adam-vs-sgd.js";
import { example as momentumOvershoots } from "./02-momentum-overshoots.js";
import { example as saddleEscape } from "./03-saddle-escape.js";
import { example as himmelblauBasins } from "./04-himmelblau-basins.js";
import { example as rotatedValley } from "./05-rotated-valley.js";
import { example as rastriginRipples } from "./06-rastrigin-ripples.js";
import { example as adaboundToSgd } from "./07-adabound-to-sgd.js";
import { example as customFunction } from "./08-custom-function.js";

export type { Example } from "./example.js";

/** The numbered examples, in order. */
export const examples: readonly Example[] = [
  adamVsSgd,
  momentumOvershoots,
  saddleEscape,
  himmelblauBasins,
  rotatedValley,
  rastriginRipples,
  adaboundToSgd,
  customFunction,
];
