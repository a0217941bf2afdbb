import { algorithms } from "../core/index.js";

type Rates = Readonly<Record<string, number>>;

/**
 * Default learning rate of each optimizer on each test function.
 *
 * Rows are test functions, columns optimizer names. Each rate was picked from
 * a grid of round values (1, 2 and 5 times a power of ten) by running the
 * optimizer from the function's default start for its default number of
 * steps. A rate qualified when its path stayed finite, stayed within the
 * plotted domain widened by its size on every side, and never jumped more
 * than 6% of the domain's diagonal in one step, so the plotted path stays
 * legible. Of those, the table keeps the one with the lowest mean of
 * log10(f − f*) over the path, or on a saddle the lowest final value.
 * Every rate leaves the path lower than it started, which a test checks.
 *
 * Optimizer options other than `lr` keep their algorithm's defaults, so AdamW
 * decays with weight decay 0.01 and its paths end slightly off the minimum.
 */
export const DEFAULT_LEARNING_RATES: Readonly<Record<string, Rates>> = {
  rosenbrock: { sgd: 0.001, momentum: 0.001, nesterov: 0.0005, adagrad: 0.2, adadelta: 2, rmsprop: 0.02, adam: 0.2, amsgrad: 0.2, adamw: 0.2, adamax: 0.2, nadam: 0.05, radam: 0.0002, adabound: 0.2, amsbound: 0.2, adaboundw: 0.2 },
  beale: { sgd: 0.005, momentum: 0.005, nesterov: 0.002, adagrad: 0.5, adadelta: 10, rmsprop: 0.05, adam: 0.5, amsgrad: 0.5, adamw: 0.5, adamax: 0.5, nadam: 0.2, radam: 0.005, adabound: 0.5, amsbound: 0.5, adaboundw: 0.5 },
  himmelblau: { sgd: 0.01, momentum: 0.002, nesterov: 0.002, adagrad: 0.5, adadelta: 10, rmsprop: 0.05, adam: 0.5, amsgrad: 0.5, adamw: 0.5, adamax: 0.5, nadam: 0.2, radam: 0.02, adabound: 0.5, amsbound: 0.5, adaboundw: 0.5 },
  booth: { sgd: 0.005, momentum: 0.001, nesterov: 0.002, adagrad: 1, adadelta: 100, rmsprop: 0.1, adam: 1, amsgrad: 1, adamw: 1, adamax: 1, nadam: 1, radam: 0.005, adabound: 1, amsbound: 1, adaboundw: 1 },
  saddle: { sgd: 0.02, momentum: 0.005, nesterov: 0.005, adagrad: 0.2, adadelta: 0.2, rmsprop: 0.02, adam: 0.02, amsgrad: 0.02, adamw: 0.02, adamax: 0.05, nadam: 0.02, radam: 0.05, adabound: 0.02, amsbound: 0.02, adaboundw: 0.02 },
  "monkey-saddle": { sgd: 0.005, momentum: 0.001, nesterov: 0.001, adagrad: 0.1, adadelta: 1, rmsprop: 0.01, adam: 0.02, amsgrad: 0.02, adamw: 0.02, adamax: 0.05, nadam: 0.02, radam: 0.05, adabound: 0.01, amsbound: 0.01, adaboundw: 0.01 },
  rastrigin: { sgd: 0.002, momentum: 0.001, nesterov: 0.002, adagrad: 0.2, adadelta: 10, rmsprop: 0.02, adam: 0.2, amsgrad: 0.2, adamw: 0.2, adamax: 0.2, nadam: 0.05, radam: 0.002, adabound: 0.2, amsbound: 0.2, adaboundw: 0.2 },
  "six-hump-camel": { sgd: 0.01, momentum: 0.01, nesterov: 0.005, adagrad: 0.2, adadelta: 20, rmsprop: 0.02, adam: 0.2, amsgrad: 0.2, adamw: 0.1, adamax: 0.1, nadam: 0.1, radam: 0.01, adabound: 0.2, amsbound: 0.2, adaboundw: 0.2 },
  "styblinski-tang": { sgd: 0.005, momentum: 0.005, nesterov: 0.002, adagrad: 0.5, adadelta: 50, rmsprop: 0.05, adam: 0.5, amsgrad: 0.5, adamw: 0.5, adamax: 0.5, nadam: 0.2, radam: 0.005, adabound: 0.5, amsbound: 0.5, adaboundw: 0.5 },
  quadratic: { sgd: 0.01, momentum: 0.01, nesterov: 0.005, adagrad: 0.2, adadelta: 20, rmsprop: 0.02, adam: 0.2, amsgrad: 0.2, adamw: 0.2, adamax: 0.2, nadam: 0.2, radam: 0.005, adabound: 0.2, amsbound: 0.2, adaboundw: 0.2 },
};

/** Rate used for a function or optimizer the table does not list and whose algorithm has no default lr. */
const FALLBACK_LR = 0.01;

/**
 * The learning rate that suits `optimizerName` on the test function
 * `functionName`, from {@link DEFAULT_LEARNING_RATES}. For a pair the table
 * does not list (a custom function, a newer algorithm) it falls back to the
 * algorithm's own default lr, or 0.01 for an algorithm without one (SGD).
 */
export function defaultLearningRate(optimizerName: string, functionName: string): number {
  const name = optimizerName.toLowerCase();
  const listed = DEFAULT_LEARNING_RATES[functionName.toLowerCase()]?.[name];
  if (listed !== undefined) return listed;
  const lr = algorithms.find((a) => a.name === name)?.options.find((o) => o.name === "lr");
  return typeof lr?.default === "number" ? lr.default : FALLBACK_LR;
}
