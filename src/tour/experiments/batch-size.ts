import { lineChart } from "../charts.js";
import { formatCount, formatFold, formatNumber, outcomeOf, verdictOf } from "../format.js";
import type { TrainingJob, TrainingOutcome } from "../training.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";

/** A batch-size regime with the learning rates tried for it and its budget in epochs. */
interface Regime {
  label: string;
  batchSize: number | "full";
  learningRates: readonly number[];
  epochs: { quick: number; full: number };
}

const REGIMES: readonly Regime[] = [
  { label: "one sample", batchSize: 1, learningRates: [0.003, 0.01, 0.03], epochs: { quick: 2, full: 2 } },
  { label: "minibatch of 32", batchSize: 32, learningRates: [0.03, 0.1, 0.3], epochs: { quick: 10, full: 10 } },
  { label: "full batch", batchSize: "full", learningRates: [0.1, 0.3, 1], epochs: { quick: 60, full: 150 } },
];
/** Epochs every regime has finished, so per-example progress can be compared there. */
const COMMON_EPOCHS = 2;
/** Test images evaluated after each epoch; the scene reads training losses, so few suffice. */
const TEST_LIMIT = 200;

interface RegimeResult {
  regime: Regime;
  lr: number;
  outcome: TrainingOutcome;
  /** Mean training loss of epoch {@link COMMON_EPOCHS}. */
  lossAtCommonEpochs: number;
  secondsPerEpoch: number;
  /** Spread of consecutive step losses over the last fifth of the steps, relative to their mean. */
  noise: number;
}

/** Relative spread of step-to-step changes in the loss over the last fifth of the steps. */
function stepNoise(losses: readonly number[]): number {
  const tail = losses.slice(Math.floor(losses.length * 0.8));
  if (tail.length < 2) return Number.NaN;
  const changes = tail.slice(1).map((loss, i) => loss - tail[i]);
  const meanChange = changes.reduce((sum, d) => sum + d, 0) / changes.length;
  const variance = changes.reduce((sum, d) => sum + (d - meanChange) ** 2, 0) / changes.length;
  const meanLoss = tail.reduce((sum, loss) => sum + loss, 0) / tail.length;
  return Math.sqrt(variance) / meanLoss;
}

/** Seconds until the first epoch whose mean training loss is at most `target`, or Infinity. */
function secondsToReach(outcome: TrainingOutcome, target: number): number {
  let elapsed = 0;
  for (const epoch of outcome.epochs) {
    elapsed += epoch.seconds;
    if (epoch.trainLoss <= target) return elapsed;
  }
  return Infinity;
}

/** Runs the batch-size experiment: one-sample, minibatch and full-batch gradient descent on Fashion-MNIST. */
export async function runBatchSizeScene({ seed, size, trainer }: SceneContext): Promise<SceneResult> {
  const trainLimit = size === "quick" ? 1000 : 5000;
  const jobs: TrainingJob[] = REGIMES.flatMap((regime) =>
    regime.learningRates.map((lr) => ({
      config: {
        model: "mlp" as const,
        optimizer: "sgd",
        optimizerOptions: { lr },
        seed,
        epochs: regime.epochs[size],
        batchSize: regime.batchSize,
        trainLimit,
        testLimit: TEST_LIMIT,
      },
      evaluateOn: "test" as const,
    })),
  );
  const outcomes = await trainer.train(jobs);

  let next = 0;
  const results: RegimeResult[] = REGIMES.map((regime) => {
    const runs = regime.learningRates.map((lr) => ({ lr, outcome: outcomes[next++] }));
    const finalLoss = (outcome: TrainingOutcome) => {
      const loss = outcome.epochs.at(-1)!.trainLoss;
      return Number.isFinite(loss) ? loss : Infinity;
    };
    const best = runs.reduce((winner, run) => (finalLoss(run.outcome) < finalLoss(winner.outcome) ? run : winner));
    const epochs = best.outcome.epochs;
    return {
      regime,
      lr: best.lr,
      outcome: best.outcome,
      lossAtCommonEpochs: epochs[COMMON_EPOCHS - 1].trainLoss,
      secondsPerEpoch: epochs.reduce((sum, epoch) => sum + epoch.seconds, 0) / epochs.length,
      noise: stepNoise(best.outcome.stepLosses),
    };
  });
  const [single, mini, full] = results;
  // The loss every regime reaches within its budget: the highest of their final losses.
  const target = Math.max(...results.map((r) => r.outcome.epochs.at(-1)!.trainLoss));
  const timeTo = results.map((r) => secondsToReach(r.outcome, target));

  const checks: Check[] = [
    {
      holds: single.noise > mini.noise && mini.noise > full.noise,
      text:
        `Step-to-step noise in the training loss fell with the batch size: ` +
        results.map((r) => `${formatNumber(r.noise)} for ${r.regime.label}`).join(", "),
      criterion: "The relative spread of step-to-step loss changes shrinks from one sample to 32 to the full batch.",
    },
    {
      holds: single.lossAtCommonEpochs < mini.lossAtCommonEpochs && mini.lossAtCommonEpochs < full.lossAtCommonEpochs,
      text:
        `after ${COMMON_EPOCHS} passes over the data the mean training loss was ` +
        results.map((r) => `${formatNumber(r.lossAtCommonEpochs)} (${r.regime.label})`).join(", "),
      criterion: `After ${COMMON_EPOCHS} epochs, smaller batches have the lower training loss: more steps per example seen.`,
    },
    {
      holds: timeTo[1] < timeTo[0] && timeTo[1] < timeTo[2],
      text:
        `the minibatch reached a training loss of ${formatNumber(target)} in ${formatNumber(timeTo[1])} s, against ` +
        `${formatNumber(timeTo[0])} s with one sample and ${formatNumber(timeTo[2])} s with the full batch`,
      criterion:
        "Measured in seconds of training, the minibatch reaches the highest of the three final losses first.",
    },
  ];
  const notes = [
    `One pass over the data took ${formatNumber(single.secondsPerEpoch)} s with one sample per step, ` +
      `${formatNumber(mini.secondsPerEpoch)} s with 32 and ${formatNumber(full.secondsPerEpoch)} s with the full ` +
      `batch: a step on 32 samples costs far less than 32 steps on one ` +
      `(${formatFold(single.secondsPerEpoch / mini.secondsPerEpoch)} less per pass here). Times are wall-clock ` +
      "seconds on the machine that built this page, with other runs sharing its cores.",
  ];

  const numbers: Record<string, number> = { trainLimit, target };
  results.forEach((r, index) => {
    const key = `batch${r.regime.batchSize === "full" ? "Full" : r.regime.batchSize}`;
    numbers[`${key}Lr`] = r.lr;
    numbers[`${key}LossAfter${COMMON_EPOCHS}Epochs`] = r.lossAtCommonEpochs;
    numbers[`${key}SecondsPerEpoch`] = r.secondsPerEpoch;
    numbers[`${key}Noise`] = r.noise;
    numbers[`${key}SecondsToTarget`] = timeTo[index];
    numbers[`${key}FinalLoss`] = r.outcome.epochs.at(-1)!.trainLoss;
  });

  return {
    id: "batch-size",
    title: "Batch size: noise against speed",
    claim:
      "Minibatch gradient descent trades noise for speed: one sample per step is noisy and slow per pass, " +
      "the full batch is smooth but takes one step per pass, and a minibatch sits between.",
    setup:
      `A one-hidden-layer network (784-256-10) learns to classify ${formatCount(trainLimit)} Fashion-MNIST ` +
      `images with plain SGD, taking one sample, 32 samples or all ${formatCount(trainLimit)} per step, for ` +
      `${REGIMES.map((r) => `${r.epochs[size]}`).join(", ")} passes over the data respectively. Each batch size ` +
      "uses the learning rate from its own grid of three with the lowest final training loss. Seed " +
      `${seed} fixes the initial weights and the order of the samples.`,
    rule: "θ ← θ − η · (1/B) Σᵢ∈batch ∇ℓᵢ(θ)      B = 1, 32 or the whole training set",
    settings: {
      seed,
      model: "mlp",
      "training images": trainLimit,
      ...Object.fromEntries(
        results.map((r) => [`${r.regime.label}: learning rates tried, chosen`, `${r.regime.learningRates.join(", ")}; ${r.lr}`]),
      ),
      ...Object.fromEntries(results.map((r) => [`${r.regime.label}: epochs`, r.regime.epochs[size]])),
    },
    tables: [
      {
        rowHeading: "batch",
        columns: [
          { key: "lr", label: "lr" },
          { key: "noise", label: "step-to-step noise" },
          { key: "loss", label: `training loss after ${COMMON_EPOCHS} epochs` },
          { key: "seconds", label: "seconds per epoch", format: "seconds" },
          { key: "toTarget", label: `seconds to loss ${formatNumber(target)}`, format: "seconds" },
        ],
        rows: results.map((r, index) => ({
          label: r.regime.label,
          values: {
            lr: r.lr,
            noise: r.noise,
            loss: r.lossAtCommonEpochs,
            seconds: r.secondsPerEpoch,
            toTarget: timeTo[index],
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
        id: "batch-size-steps",
        title: "Training loss per step",
        description:
          "Loss of each step's batch against the number of samples seen, both axes on a log scale: one sample per step " +
          "jumps around, the full batch descends smoothly one step per pass.",
        xTitle: "samples seen",
        yTitle: "batch loss",
        xScale: "log",
        yScale: "log",
        legendTitle: "batch",
        series: results.map((r, index) => ({
          label: r.regime.label,
          color: BATCH_COLORS[index],
          points: r.outcome.stepLosses.map(
            (loss, step) => [(step + 1) * batchSizeOf(r.regime, trainLimit), loss] as const,
          ),
        })),
      }),
      lineChart({
        id: "batch-size-time",
        title: "Training loss against time",
        description: "Mean training loss of each epoch against the wall-clock seconds spent training so far; log scale.",
        xTitle: "seconds of training",
        yTitle: "mean training loss",
        yScale: "log",
        legendTitle: "batch",
        series: results.map((r, index) => {
          let elapsed = 0;
          return {
            label: r.regime.label,
            color: BATCH_COLORS[index],
            points: r.outcome.epochs.map((epoch) => {
              elapsed += epoch.seconds;
              return [elapsed, epoch.trainLoss] as const;
            }),
          };
        }),
        rules: [{ y: target, label: "target loss" }],
      }),
    ],
  };
}

/** Light blue, orange and navy: the three regimes stay apart even where the lines cross. */
const BATCH_COLORS = ["#9ecae1", "#f28e2b", "#08306b"];

function batchSizeOf(regime: Regime, trainLimit: number): number {
  return regime.batchSize === "full" ? trainLimit : regime.batchSize;
}

export const batchSizeExperiment: Experiment = {
  id: "batch-size",
  sections: ["batch-size"],
  needs: "training",
  run: runBatchSizeScene,
};
