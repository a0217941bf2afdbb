import { Parameter, createOptimizer, effectiveLearningRate } from "../../core/index.js";
import { lineChart } from "../charts.js";
import { formatCount, formatFold, formatNumber, outcomeOf, verdictOf } from "../format.js";
import { SceneRandom } from "../random.js";
import { mean, median, seedsFrom, sweepLearningRates } from "../tuning.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";

const DIMENSIONS = 10;
const NOISE = 0.5;
/** Learning rates tried per optimizer, around each one's usual range. */
const LR_GRIDS: Readonly<Record<string, readonly number[]>> = {
  adagrad: [0.03, 0.1, 0.3, 1, 3],
  rmsprop: [3e-4, 1e-3, 3e-3, 0.01, 0.03],
  adadelta: [1, 3, 10, 30, 100],
};
const OPTIMIZERS = ["adagrad", "rmsprop", "adadelta"] as const;

interface StreamRun {
  /** Mean loss over all steps; Infinity if the run diverged. */
  meanLoss: number;
  /** Mean loss over the last tenth of the steps before the target moves, and of the run. */
  lossBeforeMove: number;
  lossAtEnd: number;
  trace: Array<{ step: number; loss: number; rate: number }>;
}

/**
 * Fits a linear model online to y = w*ᵀx + noise with Gaussian x. At three
 * quarters of the run the target w* jumps to a new random vector, so the
 * model must move again after a long stretch of steady gradients.
 */
function runStream(name: string, lr: number, steps: number, seed: number): StreamRun {
  const random = new SceneRandom(seed);
  const before = Array.from({ length: DIMENSIONS }, () => random.normal());
  const after = Array.from({ length: DIMENSIONS }, () => random.normal());
  const moveAt = (3 * steps) / 4;
  const w = new Parameter(new Float64Array(DIMENSIONS));
  const optimizer = createOptimizer(name, [w], { lr });
  const x = new Float64Array(DIMENSIONS);
  const window = steps / 10;
  const trace: StreamRun["trace"] = [];
  const every = Math.max(1, Math.round(steps / 300));
  let total = 0;
  let lossBeforeMove = 0;
  let lossAtEnd = 0;

  for (let step = 1; step <= steps; step++) {
    const target = step <= moveAt ? before : after;
    let residual = NOISE * random.normal();
    let loss = 0;
    for (let j = 0; j < DIMENSIONS; j++) {
      x[j] = random.normal();
      residual += (w.data[j] - target[j]) * x[j];
      loss += 0.5 * (w.data[j] - target[j]) ** 2;
    }
    if (!(Math.abs(residual) < 1e6)) {
      return { meanLoss: Infinity, lossBeforeMove: Infinity, lossAtEnd: Infinity, trace };
    }
    total += loss / steps;
    if (step > moveAt - window && step <= moveAt) lossBeforeMove += loss / window;
    if (step > steps - window) lossAtEnd += loss / window;

    for (let j = 0; j < DIMENSIONS; j++) w.grad![j] = residual * x[j];
    optimizer.step();
    if (step % every === 0 || step === steps) {
      trace.push({ step, loss, rate: effectiveLearningRate(optimizer)!.median });
    }
  }
  return { meanLoss: total, lossBeforeMove, lossAtEnd, trace };
}

/**
 * Returns the median effective rate over the recorded steps in the window of
 * `width` steps that ends at `step`, which smooths out single noisy steps.
 */
function rateAt(run: StreamRun, step: number, width: number): number {
  const rates = run.trace
    .filter((point) => point.step > step - width && point.step <= step)
    .map((point) => point.rate);
  return rates.length === 0 ? Number.NaN : median(rates);
}

/** Runs the scene on Adadelta's and RMSprop's moving averages. */
export function runMovingAverageScene({ seed, size }: SceneContext): SceneResult {
  const steps = size === "quick" ? 4000 : 20_000;
  const seeds = seedsFrom(seed, size === "quick" ? 2 : 5);
  const width = steps / 20;
  const best = OPTIMIZERS.map((name) => {
    const sweep = sweepLearningRates(
      LR_GRIDS[name],
      seeds,
      (lr, s) => runStream(name, lr, steps, s),
      (run) => run.meanLoss,
    );
    const first = sweep.best.results[0];
    return {
      name,
      lr: sweep.best.lr,
      meanLoss: sweep.best.score,
      lossBeforeMove: mean(sweep.best.results.map((run) => run.lossBeforeMove)),
      lossAtEnd: mean(sweep.best.results.map((run) => run.lossAtEnd)),
      first,
      // How many times smaller the rate is at the end than at a tenth of the run.
      fall: rateAt(first, steps / 10, width) / rateAt(first, steps, width),
    };
  });
  const [adagrad, rmsprop, adadelta] = best;
  const from = formatCount(steps / 10);
  const to = formatCount(steps);
  const describeChange = (fall: number) => {
    if (fall >= 1.05) return `fell ${formatFold(fall)}`;
    return fall <= 1 / 1.05 ? `rose ${formatFold(1 / fall)}` : "stayed within 5%";
  };

  const checks: Check[] = [
    {
      holds: adagrad.fall >= 2,
      text: `Adagrad's median effective learning rate ${describeChange(adagrad.fall)} from step ${from} to step ${to}`,
      criterion:
        "Adagrad's rate fell at least 2-fold over the last nine tenths of the run. Each rate is the median " +
        `over the ${formatCount(width)} steps up to the step named.`,
    },
    {
      holds: rmsprop.fall < 2 && adadelta.fall < 2,
      text: `over the same steps RMSprop's ${describeChange(rmsprop.fall)} and Adadelta's ${describeChange(adadelta.fall)}`,
      criterion: "Neither RMSprop's nor Adadelta's rate fell 2-fold or more over the same steps.",
    },
  ];
  const bestAfterMove = best.reduce((winner, run) => (run.lossAtEnd < winner.lossAtEnd ? run : winner));
  const notes = [
    `After the target moved at step ${formatCount((3 * steps) / 4)}, the mean loss over the last ` +
      `${formatCount(steps / 10)} steps was ${best.map((run) => `${formatNumber(run.lossAtEnd)} for ${run.name}`).join(", ")}; ` +
      `${bestAfterMove.name} recovered best.`,
  ];

  const numbers: Record<string, number> = { steps, seeds: seeds.length };
  for (const run of best) {
    numbers[`${run.name}Lr`] = run.lr;
    numbers[`${run.name}MeanLoss`] = run.meanLoss;
    numbers[`${run.name}LossBeforeMove`] = run.lossBeforeMove;
    numbers[`${run.name}LossAtEnd`] = run.lossAtEnd;
    numbers[`${run.name}RateFall`] = run.fall;
    numbers[`${run.name}RateAtTenth`] = rateAt(run.first, steps / 10, width);
    numbers[`${run.name}RateAtEnd`] = rateAt(run.first, steps, width);
  }

  return {
    id: "moving-average",
    title: "Adadelta and RMSprop: a moving average stops the decay",
    claim:
      "Adadelta and RMSprop divide by a moving average of squared gradients instead of Adagrad's " +
      "growing sum, so their learning rates stop shrinking.",
    setup:
      `A linear model with ${DIMENSIONS} Gaussian inputs learns online from targets with noise of ` +
      `standard deviation ${NOISE}, so the gradients never vanish. At step ${formatCount((3 * steps) / 4)} ` +
      `the target weights jump to new random values. Each optimizer uses the learning rate from its ` +
      `grid with the lowest mean loss over all ${formatCount(steps)} steps, averaged over ${seeds.length} seeds.`,
    rule:
      "Adagrad:  s ← s + g²                 θ ← θ − η·g / (√s + ε)\n" +
      "RMSprop:  v ← α·v + (1 − α)·g²       θ ← θ − η·g / (√v + ε)\n" +
      "Adadelta: v ← ρ·v + (1 − ρ)·g²       Δ = √(u + ε) / √(v + ε)·g\n" +
      "          u ← ρ·u + (1 − ρ)·Δ²       θ ← θ − η·Δ",
    settings: {
      seeds: seeds.join(", "),
      steps,
      ...Object.fromEntries(OPTIMIZERS.map((name) => [`${name} learning rates tried`, LR_GRIDS[name].join(", ")])),
      ...Object.fromEntries(best.map((run) => [`${run.name} lr`, run.lr])),
    },
    tables: [
      {
        rowHeading: "optimizer",
        columns: [
          { key: "lr", label: "best lr" },
          { key: "rateAtTenth", label: `effective lr at step ${from}` },
          { key: "rateAtEnd", label: `effective lr at step ${to}` },
          { key: "lossBeforeMove", label: "loss before the move" },
          { key: "lossAtEnd", label: "loss at the end" },
        ],
        rows: best.map((run) => ({
          label: run.name,
          values: {
            lr: run.lr,
            rateAtTenth: rateAt(run.first, steps / 10, width),
            rateAtEnd: rateAt(run.first, steps, width),
            lossBeforeMove: run.lossBeforeMove,
            lossAtEnd: run.lossAtEnd,
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
        id: "moving-average-effective-lr",
        title: "Effective learning rate",
        description:
          `Median effective learning rate over the weights, seed ${seeds[0]}, each optimizer at its ` +
          "best learning rate; log scale.",
        xTitle: "step",
        xWhole: true,
        yTitle: "effective learning rate",
        yScale: "log",
        series: best.map((run) => ({ label: run.name, points: run.first.trace.map((e) => [e.step, e.rate] as const) })),
      }),
      lineChart({
        id: "moving-average-loss",
        title: "Loss, with the target moving at three quarters",
        description: `Distance loss ½‖w − w*‖² at each step, seed ${seeds[0]}; log scale.`,
        xTitle: "step",
        xWhole: true,
        yTitle: "loss",
        yScale: "log",
        series: best.map((run) => ({ label: run.name, points: run.first.trace.map((e) => [e.step, e.loss] as const) })),
      }),
    ],
  };
}

export const movingAverageExperiment: Experiment = {
  id: "moving-average",
  sections: ["moving-average"],
  needs: "core",
  run: runMovingAverageScene,
};
