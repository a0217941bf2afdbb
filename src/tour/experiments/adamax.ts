import { Parameter, createOptimizer } from "../../core/index.js";
import { lineChart } from "../charts.js";
import { formatCount, formatFold, formatNumber, outcomeOf, verdictOf } from "../format.js";
import { SceneRandom } from "../random.js";
import { mean, seedsFrom, sweepLearningRates } from "../tuning.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";

const DIMENSIONS = 10;
/** Chance that a gradient element is an outlier, and the outliers' scale. */
const OUTLIER_RATE = 0.01;
const OUTLIER_SCALE = 100;
const LR_GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
const OPTIMIZERS = ["adam", "adamax"] as const;

interface NoisyRun {
  /** Mean of ½‖w − w*‖² over the second half of the run; Infinity if diverged. */
  lateLoss: number;
  /** Largest change of one weight in one step, divided by the learning rate. */
  maxStepOverLr: number;
  trace: Array<{ step: number; loss: number }>;
}

/**
 * Minimizes ½‖w − w*‖² from gradients with Gaussian noise of standard
 * deviation 1, where each element is, with probability `outlierRate`, drawn
 * `outlierScale` times wider instead.
 */
function runNoisy(name: string, lr: number, steps: number, seed: number, outliers: boolean): NoisyRun {
  const random = new SceneRandom(seed);
  const target = Array.from({ length: DIMENSIONS }, () => 3 * random.normal());
  const w = new Parameter(new Float64Array(DIMENSIONS));
  const optimizer = createOptimizer(name, [w], { lr });
  const rate = outliers ? OUTLIER_RATE : 0;
  const every = Math.max(1, Math.round(steps / 300));
  const trace: NoisyRun["trace"] = [];
  const previous = new Float64Array(DIMENSIONS);
  let lateLoss = 0;
  let maxStep = 0;

  for (let step = 1; step <= steps; step++) {
    previous.set(w.data);
    for (let j = 0; j < DIMENSIONS; j++) {
      const scale = random.chance(rate) ? OUTLIER_SCALE : 1;
      w.grad![j] = w.data[j] - target[j] + scale * random.normal();
    }
    optimizer.step();

    let loss = 0;
    for (let j = 0; j < DIMENSIONS; j++) {
      maxStep = Math.max(maxStep, Math.abs(w.data[j] - previous[j]));
      loss += 0.5 * (w.data[j] - target[j]) ** 2;
    }
    if (!Number.isFinite(loss)) return { lateLoss: Infinity, maxStepOverLr: Infinity, trace };
    if (step > steps / 2) lateLoss += loss / (steps / 2);
    if (step % every === 0 || step === steps) trace.push({ step, loss });
  }
  return { lateLoss, maxStepOverLr: maxStep / lr, trace };
}

/** Runs the AdaMax scene: Adam and AdaMax on gradients with outliers. */
export function runAdamaxScene({ seed, size }: SceneContext): SceneResult {
  const steps = size === "quick" ? 4000 : 20_000;
  const seeds = seedsFrom(seed, size === "quick" ? 3 : 10);
  const tuned = (name: string, outliers: boolean) => {
    const sweep = sweepLearningRates(
      LR_GRID,
      seeds,
      (lr, s) => runNoisy(name, lr, steps, s, outliers),
      (run) => run.lateLoss,
    );
    return {
      lr: sweep.best.lr,
      loss: sweep.best.score,
      maxStepOverLr: Math.max(...sweep.best.results.map((run) => run.maxStepOverLr)),
      first: sweep.best.results[0],
    };
  };
  const results = OPTIMIZERS.map((name) => ({ name, clean: tuned(name, false), noisy: tuned(name, true) }));
  const [adam, adamax] = results;
  const cost = (entry: (typeof results)[number]) => entry.noisy.loss / entry.clean.loss;

  const checks: Check[] = [
    {
      holds: adamax.noisy.loss < adam.noisy.loss,
      text:
        `With outliers, AdaMax's loss over the second half was ${formatNumber(adamax.noisy.loss)} against ` +
        `Adam's ${formatNumber(adam.noisy.loss)}, each at its best learning rate`,
      criterion: "AdaMax's loss with outliers is below Adam's.",
    },
    {
      holds: cost(adamax) < cost(adam),
      text:
        `the outliers raised AdaMax's loss ${formatFold(cost(adamax))} and Adam's ${formatFold(cost(adam))} ` +
        `over their loss without outliers`,
      criterion: "Outliers raise AdaMax's loss by a smaller factor than Adam's.",
    },
  ];
  const notes = [
    `The largest single step with outliers was ${formatNumber(adam.noisy.maxStepOverLr)}·η for Adam and ` +
      `${formatNumber(adamax.noisy.maxStepOverLr)}·η for AdaMax. AdaMax's step stays near η at most, because ` +
      "u is never below the latest |g|, while one outlier can push Adam's m/√v̂ up to " +
      "(1 − β1)/√(1 − β2) ≈ 3.2.",
  ];

  const numbers: Record<string, number> = { steps, seeds: seeds.length, outlierRate: OUTLIER_RATE, outlierScale: OUTLIER_SCALE };
  for (const entry of results) {
    numbers[`${entry.name}CleanLr`] = entry.clean.lr;
    numbers[`${entry.name}CleanLoss`] = entry.clean.loss;
    numbers[`${entry.name}OutlierLr`] = entry.noisy.lr;
    numbers[`${entry.name}OutlierLoss`] = entry.noisy.loss;
    numbers[`${entry.name}OutlierCost`] = cost(entry);
    numbers[`${entry.name}MaxStepOverLr`] = entry.noisy.maxStepOverLr;
  }

  return {
    id: "adamax",
    title: "AdaMax: outliers in the gradients",
    claim:
      "AdaMax, which scales steps by an exponentially weighted infinity norm of past gradients instead of " +
      "Adam's root mean square, copes better with outliers in the gradients.",
    setup:
      `Both optimizers minimize ½‖w − w*‖² in ${DIMENSIONS} dimensions from noisy gradients. The noise is ` +
      `Gaussian with standard deviation 1, except that each element is, with probability ` +
      `${OUTLIER_RATE}, drawn ${OUTLIER_SCALE} times wider. A control run has no outliers. Each optimizer ` +
      `uses the learning rate from {${LR_GRID.join(", ")}} with the lowest mean loss over the second half ` +
      `of ${formatCount(steps)} steps, averaged over ${seeds.length} seeds, chosen separately with and without outliers.`,
    rule:
      "Adam:   v ← β2·v + (1 − β2)·g²        θ ← θ − η/(1 − β1ᵗ) · m / (√(v/(1 − β2ᵗ)) + ε)\n" +
      "AdaMax: u ← max(β2·u, |g| + ε)        θ ← θ − η/(1 − β1ᵗ) · m / u",
    settings: {
      seeds: seeds.join(", "),
      steps,
      "learning rates tried": LR_GRID.join(", "),
      ...Object.fromEntries(results.flatMap((entry) => [
        [`${entry.name} lr without outliers`, entry.clean.lr],
        [`${entry.name} lr with outliers`, entry.noisy.lr],
      ])),
    },
    tables: [
      {
        rowHeading: "optimizer",
        columns: [
          { key: "cleanLr", label: "best lr, no outliers" },
          { key: "cleanLoss", label: "loss, no outliers" },
          { key: "noisyLr", label: "best lr, outliers" },
          { key: "noisyLoss", label: "loss, outliers" },
          { key: "maxStep", label: "largest step / η" },
        ],
        rows: results.map((entry) => ({
          label: entry.name,
          values: {
            cleanLr: entry.clean.lr,
            cleanLoss: entry.clean.loss,
            noisyLr: entry.noisy.lr,
            noisyLoss: entry.noisy.loss,
            maxStep: entry.noisy.maxStepOverLr,
          },
        })),
      },
    ],
    numbers,
    checks,
    notes,
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      lineChart({
        id: "adamax-loss",
        title: "Loss with and without outliers",
        description:
          `Loss ½‖w − w*‖² after each step with outliers (solid) and without (dashed), seed ${seeds[0]}, ` +
          "each optimizer at its best learning rate for that stream; log scale.",
        xTitle: "step",
        xWhole: true,
        yTitle: "loss",
        yScale: "log",
        legendTitle: "optimizer, gradients",
        series: results.flatMap((entry) => [
          { label: `${entry.name}, outliers`, points: entry.noisy.first.trace.map((e) => [e.step, e.loss] as const) },
          {
            label: `${entry.name}, no outliers`,
            dashed: true,
            points: entry.clean.first.trace.map((e) => [e.step, e.loss] as const),
          },
        ]),
      }),
    ],
  };
}

export const adamaxExperiment: Experiment = {
  id: "adamax",
  sections: ["adamax"],
  needs: "core",
  run: runAdamaxScene,
};
