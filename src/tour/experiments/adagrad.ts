import { Parameter, createOptimizer, type Optimizer } from "../../core/index.js";
import { lineChart } from "../charts.js";
import { formatCount, formatFold, formatNumber, outcomeOf, verdictOf } from "../format.js";
import { SceneRandom } from "../random.js";
import { mean, median, seedsFrom, sweepLearningRates } from "../tuning.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";

/** How often each kind of feature is present in a sample. */
const FREQUENT_RATE = 0.5;
const RARE_RATE = 0.01;
const FEATURES_PER_KIND = 10;
const NOISE = 0.5;
const LR_GRID = [0.01, 0.03, 0.1, 0.3, 1];
const OPTIMIZERS = ["sgd", "adagrad"] as const;

/** Measurements of one run on the sparse regression stream. */
interface SparseRun {
  /** Expected loss ½·E[(w − w*)ᵀx]² at the end; Infinity if the run diverged. */
  loss: number;
  /** Mean squared weight error of the rare and of the frequent features at the end. */
  rareError: number;
  frequentError: number;
  /** Recorded every few steps: step, both errors, both median effective rates. */
  trace: Array<{ step: number; rareError: number; frequentError: number; rareLr: number; frequentLr: number }>;
}

/**
 * Trains a linear model online on samples whose features are 1 when present
 * and 0 otherwise. Rare and frequent weights are separate parameters with
 * separate optimizers, so that each kind's effective learning rate can be read
 * on its own. SGD and Adagrad update each coordinate independently, so this
 * gives the same numbers as one optimizer over all weights.
 */
function runSparse(name: string, lr: number, steps: number, seed: number): SparseRun {
  const random = new SceneRandom(seed);
  const target = Array.from({ length: 2 * FEATURES_PER_KIND }, () => random.normal());
  const frequent = new Parameter(new Float64Array(FEATURES_PER_KIND));
  const rare = new Parameter(new Float64Array(FEATURES_PER_KIND));
  const optimizers = [frequent, rare].map((param) => createOptimizer(name, [param], { lr }));
  const present = new Uint8Array(2 * FEATURES_PER_KIND);
  const trace: SparseRun["trace"] = [];
  const every = Math.max(1, Math.round(steps / 200));

  for (let step = 1; step <= steps; step++) {
    let residual = NOISE * random.normal();
    for (let j = 0; j < present.length; j++) {
      present[j] = random.chance(j < FEATURES_PER_KIND ? FREQUENT_RATE : RARE_RATE) ? 1 : 0;
      if (present[j]) residual += weightOf(frequent, rare, j) - target[j];
    }
    if (!(Math.abs(residual) < 1e6)) {
      return { loss: Infinity, rareError: Infinity, frequentError: Infinity, trace };
    }
    for (let j = 0; j < FEATURES_PER_KIND; j++) {
      frequent.grad![j] = residual * present[j];
      rare.grad![j] = residual * present[FEATURES_PER_KIND + j];
    }
    for (const optimizer of optimizers) optimizer.step();

    if (step % every === 0 || step === 10) {
      const errors = weightErrors(frequent, rare, target);
      trace.push({
        step,
        ...errors,
        frequentLr: medianRate(optimizers[0], frequent),
        rareLr: medianRate(optimizers[1], rare),
      });
    }
  }
  return { loss: expectedLoss(frequent, rare, target), ...weightErrors(frequent, rare, target), trace };
}

function weightOf(frequent: Parameter, rare: Parameter, j: number): number {
  return j < FEATURES_PER_KIND ? frequent.data[j] : rare.data[j - FEATURES_PER_KIND];
}

function weightErrors(frequent: Parameter, rare: Parameter, target: readonly number[]) {
  let frequentError = 0;
  let rareError = 0;
  for (let j = 0; j < FEATURES_PER_KIND; j++) {
    frequentError += (frequent.data[j] - target[j]) ** 2 / FEATURES_PER_KIND;
    rareError += (rare.data[j] - target[FEATURES_PER_KIND + j]) ** 2 / FEATURES_PER_KIND;
  }
  return { frequentError, rareError };
}

/** ½·E[(eᵀx)²] for weight error e, with E[xᵢxⱼ] = pᵢpⱼ (i ≠ j) and pᵢ (i = j). */
function expectedLoss(frequent: Parameter, rare: Parameter, target: readonly number[]): number {
  const rates = target.map((_, j) => (j < FEATURES_PER_KIND ? FREQUENT_RATE : RARE_RATE));
  const errors = target.map((value, j) => weightOf(frequent, rare, j) - value);
  let meanSum = 0;
  let squareSum = 0;
  errors.forEach((error, j) => {
    meanSum += rates[j] * error;
    squareSum += (rates[j] - rates[j] ** 2) * error * error;
  });
  return 0.5 * (meanSum * meanSum + squareSum);
}

/**
 * Median effective learning rate over the weights whose feature has been
 * present at least once: η / (√s + ε) for Adagrad, η for SGD. A weight whose
 * sum s is still 0 would count as η/ε, a rate it has never used.
 */
function medianRate(optimizer: Optimizer, param: Parameter): number {
  const group = optimizer.paramGroups[0] as Optimizer["paramGroups"][0] & { eps?: number };
  const sum = optimizer.state.get(param)?.buffers.sum;
  if (sum === undefined) return group.lr;
  const rates: number[] = [];
  for (const s of sum) if (s > 0) rates.push(group.lr / (Math.sqrt(s) + (group.eps ?? 0)));
  return rates.length === 0 ? Number.NaN : median(rates);
}

function rateAt(run: SparseRun, step: number, kind: "rareLr" | "frequentLr"): number {
  return run.trace.find((entry) => entry.step === step)?.[kind] ?? Number.NaN;
}

/** Runs the Adagrad scene: rare features and a shrinking learning rate. */
export function runAdagradScene({ seed, size }: SceneContext): SceneResult {
  const steps = size === "quick" ? 5000 : 20_000;
  const seeds = seedsFrom(seed, size === "quick" ? 2 : 5);
  const sweeps = OPTIMIZERS.map((name) =>
    sweepLearningRates(LR_GRID, seeds, (lr, s) => runSparse(name, lr, steps, s), (run) => run.loss),
  );
  const [sgd, adagrad] = sweeps.map((sweep) => ({
    lr: sweep.best.lr,
    loss: mean(sweep.best.results.map((run) => run.loss)),
    rareError: mean(sweep.best.results.map((run) => run.rareError)),
    frequentError: mean(sweep.best.results.map((run) => run.frequentError)),
    first: sweep.best.results[0],
  }));

  const early = 10;
  const middle = steps / 2;
  const shrink = rateAt(adagrad.first, early, "frequentLr") / rateAt(adagrad.first, steps, "frequentLr");
  const secondHalf = rateAt(adagrad.first, middle, "frequentLr") / rateAt(adagrad.first, steps, "frequentLr");
  const rareShrink = rateAt(adagrad.first, early, "rareLr") / rateAt(adagrad.first, steps, "rareLr");
  const rareAdvantage = sgd.rareError / adagrad.rareError;

  const checks: Check[] = [
    {
      holds: adagrad.rareError < sgd.rareError,
      text:
        `On features present in ${RARE_RATE * 100}% of samples, Adagrad's mean squared weight error ` +
        `after ${formatCount(steps)} steps was ${formatNumber(adagrad.rareError)}, ` +
        (rareAdvantage >= 1
          ? `${formatFold(rareAdvantage)} below SGD's ${formatNumber(sgd.rareError)}`
          : `${formatFold(1 / rareAdvantage)} above SGD's ${formatNumber(sgd.rareError)}`) +
        ` (each at its best learning rate)`,
      criterion: "Adagrad's rare-weight error is below SGD's.",
    },
    {
      holds: shrink >= 3 && secondHalf >= 1.2,
      text:
        `Adagrad's median effective learning rate on the frequent features fell ${formatFold(shrink)} ` +
        `from step ${early} to step ${formatCount(steps)}, and ${formatFold(secondHalf)} in the second half alone`,
      criterion:
        "The rate fell at least 3-fold over the run and still fell at least 1.2-fold over its second half " +
        "(a rate falling as 1/√t falls 1.41-fold over the second half).",
    },
  ];

  const numbers: Record<string, number> = {
    steps,
    seeds: seeds.length,
    sgdLr: sgd.lr,
    adagradLr: adagrad.lr,
    sgdLoss: sgd.loss,
    adagradLoss: adagrad.loss,
    sgdRareError: sgd.rareError,
    adagradRareError: adagrad.rareError,
    sgdFrequentError: sgd.frequentError,
    adagradFrequentError: adagrad.frequentError,
    adagradFrequentLrFold: shrink,
    adagradFrequentLrFoldSecondHalf: secondHalf,
    adagradRareLrFold: rareShrink,
    adagradFrequentLrEarly: rateAt(adagrad.first, early, "frequentLr"),
    adagradFrequentLrFinal: rateAt(adagrad.first, steps, "frequentLr"),
    adagradRareLrFinal: rateAt(adagrad.first, steps, "rareLr"),
  };
  sweeps.forEach((sweep, index) => {
    for (const point of sweep.points) numbers[`${OPTIMIZERS[index]}LossAtLr${point.lr}`] = point.score;
  });

  return {
    id: "adagrad",
    title: "Adagrad: rare features, shrinking steps",
    claim:
      "Adagrad helps with rare (sparse) features, because each weight's step shrinks only with its own " +
      "gradients; but the sum of squared gradients only grows, so its learning rate shrinks towards zero.",
    setup:
      `A linear model learns online from samples with ${2 * FEATURES_PER_KIND} binary features: ` +
      `${FEATURES_PER_KIND} present in ${FREQUENT_RATE * 100}% of samples, ${FEATURES_PER_KIND} in ` +
      `${RARE_RATE * 100}%. The target is a fixed random weight vector plus noise of standard deviation ` +
      `${NOISE}. Each optimizer uses the learning rate from {${LR_GRID.join(", ")}} with the lowest ` +
      `expected loss after ${formatCount(steps)} steps, averaged over ${seeds.length} seeds.`,
    rule: "SGD:     θ ← θ − η·g\nAdagrad: s ← s + g²\n         θ ← θ − η·g / (√s + ε)",
    settings: {
      seeds: seeds.join(", "),
      steps,
      "learning rates tried": LR_GRID.join(", "),
      "sgd lr": sgd.lr,
      "adagrad lr": adagrad.lr,
    },
    tables: [
      {
        rowHeading: "optimizer",
        columns: [
          { key: "lr", label: "best lr" },
          { key: "loss", label: "expected loss" },
          { key: "frequentError", label: "frequent-weight error" },
          { key: "rareError", label: "rare-weight error" },
        ],
        rows: [
          { label: "sgd", values: { lr: sgd.lr, loss: sgd.loss, frequentError: sgd.frequentError, rareError: sgd.rareError } },
          {
            label: "adagrad",
            values: { lr: adagrad.lr, loss: adagrad.loss, frequentError: adagrad.frequentError, rareError: adagrad.rareError },
          },
        ],
      },
    ],
    numbers,
    checks,
    notes: [],
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      lineChart({
        id: "adagrad-errors",
        title: "Weight error of rare and frequent features",
        description:
          `Mean squared error of the rare weights (solid) and the frequent weights (dashed), ` +
          `seed ${seeds[0]}, each optimizer at its best learning rate; log scale.`,
        xTitle: "step",
        xWhole: true,
        yTitle: "mean squared weight error",
        yScale: "log",
        series: [sgd, adagrad].flatMap((best, index) => [
          { label: `${OPTIMIZERS[index]}, rare`, points: best.first.trace.map((e) => [e.step, e.rareError] as const) },
          {
            label: `${OPTIMIZERS[index]}, frequent`,
            dashed: true,
            points: best.first.trace.map((e) => [e.step, e.frequentError] as const),
          },
        ]),
        legendTitle: "optimizer, features",
      }),
      lineChart({
        id: "adagrad-effective-lr",
        title: "Adagrad's effective learning rate",
        description:
          "Median of η / (√s + ε) over the rare weights (solid) and the frequent weights (dashed), " +
          "against SGD's fixed rate (grey); both axes on a log scale.",
        xTitle: "step",
        xWhole: true,
        yTitle: "effective learning rate",
        xScale: "log",
        yScale: "log",
        series: [
          { label: "adagrad, rare", points: adagrad.first.trace.map((e) => [e.step, e.rareLr] as const) },
          {
            label: "adagrad, frequent",
            dashed: true,
            points: adagrad.first.trace.map((e) => [e.step, e.frequentLr] as const),
          },
          { label: "sgd", color: "#999999", points: [[1, sgd.lr], [steps, sgd.lr]] },
        ],
        legendTitle: "optimizer, features",
      }),
    ],
  };
}

export const adagradExperiment: Experiment = {
  id: "adagrad",
  sections: ["adagrad"],
  needs: "core",
  run: runAdagradScene,
};
