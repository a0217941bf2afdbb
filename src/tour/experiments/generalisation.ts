import { lineChart } from "../charts.js";
import { formatCount, formatNumber, formatPercent, outcomeOf, verdictOf } from "../format.js";
import type { StepSizeSpread, TrainingJob, TrainingOutcome } from "../training.js";
import { mean, seedsFrom } from "../tuning.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";

/** An optimizer of the study with the learning rates tried for it. */
interface Candidate {
  label: string;
  optimizer: string;
  learningRates: readonly number[];
  options: Readonly<Record<string, unknown>>;
}

/** AdaBound's final (SGD) learning rate α* and bound speed γ, the authors' defaults. */
const FINAL_LR = 0.1;
const GAMMA = 1e-3;
const BATCH_SIZE = 32;
const ADAPTIVE_RATES = [3e-4, 1e-3, 3e-3];

const CANDIDATES: readonly Candidate[] = [
  { label: "momentum", optimizer: "momentum", learningRates: [0.01, 0.03, 0.1], options: {} },
  { label: "adam", optimizer: "adam", learningRates: ADAPTIVE_RATES, options: {} },
  { label: "adabound", optimizer: "adabound", learningRates: ADAPTIVE_RATES, options: { finalLr: FINAL_LR, gamma: GAMMA } },
  { label: "amsbound", optimizer: "amsbound", learningRates: ADAPTIVE_RATES, options: { finalLr: FINAL_LR, gamma: GAMMA } },
];

/** Smallest difference in test accuracy the verdicts treat as real, in absolute terms. */
const MIN_DIFFERENCE = 0.01;

interface Study {
  trainLimit: number;
  epochs: number;
  seeds: number[];
  /** Per candidate: the chosen rate, its validation score and one test run per seed. */
  results: Array<{ candidate: Candidate; lr: number; validation: number; tried: number[]; runs: TrainingOutcome[] }>;
}

/** Times a grid is extended by one rate when its best rate lies on its edge. */
const MAX_GRID_EXTENSIONS = 2;

/**
 * Returns the neighbour of a rate in the sequence 1, 3, 10, 30, ... times a
 * power of ten that the grids use: one step up or down.
 */
function neighbourRate(rate: number, direction: "up" | "down"): number {
  const exponent = Math.floor(Math.log10(rate) + 1e-9);
  const isOne = rate / 10 ** exponent < 2;
  if (direction === "up") return Number(((isOne ? 3 : 10) * 10 ** exponent).toPrecision(1));
  return Number(((isOne ? 0.3 : 1) * 10 ** exponent).toPrecision(1));
}

/** Returns the rate with the highest score, the smaller one on a tie. */
function bestRate(scores: ReadonlyMap<number, number>): [number, number] {
  const sorted = [...scores.entries()].sort(([a], [b]) => a - b);
  return sorted.reduce((best, entry) => (entry[1] > best[1] ? entry : best));
}

/**
 * Returns the next rate past the edge of the grid when its best rate is the
 * smallest or the largest tried, as Wilson et al. extend theirs; otherwise
 * undefined.
 */
function rateBeyondEdge(scores: ReadonlyMap<number, number>): number | undefined {
  const rates = [...scores.keys()].sort((a, b) => a - b);
  const [best] = bestRate(scores);
  if (best === rates[0]) return neighbourRate(best, "down");
  if (best === rates.at(-1)) return neighbourRate(best, "up");
  return undefined;
}

/** Mean of a run's test (or validation) accuracy over its last quarter of epochs. */
function lateAccuracy(outcome: TrainingOutcome): number {
  const count = Math.max(1, Math.round(outcome.epochs.length / 4));
  return mean(outcome.epochs.slice(-count).map((epoch) => epoch.testAccuracy));
}

/**
 * Trains every candidate at every rate and seed on a validation split, picks
 * each candidate's rate by validation accuracy, and trains the chosen rates
 * again, evaluated on the test split, recording the step-size spread.
 */
async function runStudy({ seed, size, trainer }: SceneContext): Promise<Study> {
  const trainLimit = size === "quick" ? 2000 : 5000;
  const epochs = size === "quick" ? 8 : 20;
  const seeds = seedsFrom(seed, size === "quick" ? 2 : 4);
  const job = (candidate: Candidate, lr: number, runSeed: number, evaluateOn: TrainingJob["evaluateOn"]): TrainingJob => ({
    config: {
      model: "mlp",
      optimizer: candidate.optimizer,
      optimizerOptions: { ...candidate.options, lr },
      seed: runSeed,
      epochs,
      batchSize: BATCH_SIZE,
      trainLimit,
    },
    evaluateOn,
    recordStepSizes: evaluateOn === "test",
  });

  // Each candidate's tried rates and their validation scores, grown at the
  // edge while the best rate is the smallest or largest tried.
  const tried = CANDIDATES.map((candidate) => ({ candidate, scores: new Map<number, number>() }));
  let pending = tried.map((entry) => ({ entry, rates: [...entry.candidate.learningRates] }));
  for (let round = 0; round <= MAX_GRID_EXTENSIONS && pending.length > 0; round++) {
    const jobs = pending.flatMap(({ entry, rates }) =>
      rates.flatMap((lr) => seeds.map((s) => job(entry.candidate, lr, s, "validation"))),
    );
    const outcomes = await trainer.train(jobs);
    let next = 0;
    for (const { entry, rates } of pending) {
      for (const lr of rates) {
        entry.scores.set(lr, mean(seeds.map(() => lateAccuracy(outcomes[next++]))));
      }
    }
    pending = tried.flatMap((entry) => {
      const beyond = rateBeyondEdge(entry.scores);
      return beyond === undefined ? [] : [{ entry, rates: [beyond] }];
    });
  }
  const chosen = tried.map(({ candidate, scores }) => {
    const [lr, validation] = bestRate(scores);
    return { candidate, lr, validation, tried: [...scores.keys()].sort((a, b) => a - b) };
  });

  const testJobs = chosen.flatMap(({ candidate, lr }) => seeds.map((s) => job(candidate, lr, s, "test")));
  const testing = await trainer.train(testJobs);
  const results = chosen.map((entry, index) => ({
    ...entry,
    runs: testing.slice(index * seeds.length, (index + 1) * seeds.length),
  }));
  return { trainLimit, epochs, seeds, results };
}

/** Test-accuracy difference of two candidates, paired by seed, with the margin it must clear. */
function compare(a: TrainingOutcome[], b: TrainingOutcome[]): { difference: number; margin: number } {
  const differences = a.map((run, i) => lateAccuracy(run) - lateAccuracy(b[i]));
  const difference = mean(differences);
  if (differences.length < 2) return { difference, margin: MIN_DIFFERENCE };
  const variance = differences.reduce((sum, d) => sum + (d - difference) ** 2, 0) / (differences.length - 1);
  const standardError = Math.sqrt(variance / differences.length);
  return { difference, margin: Math.max(MIN_DIFFERENCE, 2 * standardError) };
}

/** Formats an accuracy difference in percentage points: `1.7 points`, `1 point`. */
function points(value: number): string {
  const shown = formatNumber(100 * value, 2);
  return `${shown} ${shown === "1" ? "point" : "points"}`;
}

/** Mean over seeds of each epoch's value. */
function epochMeans(runs: readonly TrainingOutcome[], read: (epoch: TrainingOutcome["epochs"][number]) => number) {
  return runs[0].epochs.map((epoch, index) => [epoch.epoch, mean(runs.map((run) => read(run.epochs[index])))] as const);
}

/** Runs the training study and returns the generalisation and AdaBound sections. */
export async function runGeneralisationScenes(context: SceneContext): Promise<SceneResult[]> {
  const study = await runStudy(context);
  const byLabel = Object.fromEntries(study.results.map((result) => [result.candidate.label, result]));
  const summary = study.results.map((result) => ({
    label: result.candidate.label,
    lr: result.lr,
    validation: result.validation,
    accuracy: mean(result.runs.map(lateAccuracy)),
    trainLoss: mean(result.runs.map((run) => run.epochs.at(-1)!.trainLoss)),
    testLoss: mean(result.runs.map((run) => run.epochs.at(-1)!.testLoss)),
  }));
  const accuracyOf = (label: string) => summary.find((row) => row.label === label)!.accuracy;
  const gap = compare(byLabel.momentum.runs, byLabel.adam.runs);
  const stepsPerEpoch = Math.ceil(study.trainLimit / BATCH_SIZE);
  const totalSteps = stepsPerEpoch * study.epochs;

  const setup =
    `A one-hidden-layer network (784-256-10) trains on ${formatCount(study.trainLimit)} Fashion-MNIST images ` +
    `for ${study.epochs} epochs in batches of ${BATCH_SIZE}. Each optimizer's learning rate is the one from ` +
    `its grid with the best validation accuracy on ${formatCount(1000)} held-out training images, averaged ` +
    `over ${study.seeds.length} seeds; a grid whose best rate lies on its edge grows past that edge, up to ` +
    `${MAX_GRID_EXTENSIONS} times. The chosen rate then trains again from the same seeds and is ` +
    "scored on the test images. Accuracy is the mean over the last quarter of the epochs. A difference " +
    `counts only if it exceeds twice its standard error over the seeds, and at least ${points(MIN_DIFFERENCE)}.`;
  const settings = {
    seeds: study.seeds.join(", "),
    model: "mlp",
    "training images": study.trainLimit,
    epochs: study.epochs,
    "batch size": BATCH_SIZE,
    ...Object.fromEntries(
      study.results.map((r) => [`${r.candidate.label}: learning rates tried, chosen`, `${r.tried.join(", ")}; ${r.lr}`]),
    ),
    "AdaBound and AMSBound finalLr, gamma": `${FINAL_LR}, ${GAMMA}`,
  };
  const summaryTable = {
    rowHeading: "optimizer",
    columns: [
      { key: "lr", label: "chosen lr" },
      { key: "validation", label: "validation accuracy", format: "percent" as const },
      { key: "accuracy", label: "test accuracy", format: "percent" as const },
      { key: "trainLoss", label: "final training loss" },
      { key: "testLoss", label: "final test loss" },
    ],
    rows: summary.map(({ label, ...values }) => ({ label, values })),
  };
  const numbers: Record<string, number> = {
    trainLimit: study.trainLimit,
    epochs: study.epochs,
    seeds: study.seeds.length,
    momentumMinusAdam: gap.difference,
    momentumMinusAdamMargin: gap.margin,
  };
  for (const row of summary) {
    numbers[`${row.label}Lr`] = row.lr;
    numbers[`${row.label}ValidationAccuracy`] = row.validation;
    numbers[`${row.label}TestAccuracy`] = row.accuracy;
    numbers[`${row.label}TrainLoss`] = row.trainLoss;
    numbers[`${row.label}TestLoss`] = row.testLoss;
  }
  const accuracyChart = (id: string, labels: readonly string[]) =>
    lineChart({
      id,
      title: "Test accuracy per epoch",
      description: `Test accuracy after each epoch, mean over ${study.seeds.length} seeds, each optimizer at its chosen rate.`,
      xTitle: "epoch",
      xWhole: true,
      yTitle: "test accuracy",
      series: labels.map((label) => ({ label, points: epochMeans(byLabel[label].runs, (e) => e.testAccuracy) })),
    });

  const generalisationChecks: Check[] = [
    {
      holds: gap.difference > gap.margin,
      text:
        `SGD with momentum reached ${formatPercent(accuracyOf("momentum"))} test accuracy and Adam ` +
        `${formatPercent(accuracyOf("adam"))}: ` +
        (Math.abs(gap.difference) > gap.margin
          ? `${gap.difference > 0 ? "momentum" : "Adam"} ahead by ${points(Math.abs(gap.difference))}, beyond the margin of ${points(gap.margin)}`
          : `a difference of ${points(gap.difference)}, within the margin of ${points(gap.margin)}`),
      criterion: "SGD with momentum's test accuracy exceeds Adam's by more than the margin.",
    },
  ];
  const generalisation: SceneResult = {
    id: "generalisation",
    title: "Generalisation: adaptive methods against SGD with momentum",
    claim:
      "Adaptive methods such as Adam reach a low training loss quickly but generalise worse than well-tuned " +
      "SGD with momentum (Wilson, Roelofs, Stern, Srebro & Recht, \"The Marginal Value of Adaptive Gradient " +
      "Methods in Machine Learning\", NeurIPS 2017).",
    setup,
    rule:
      "momentum: b ← μ·b + g,  θ ← θ − η·b                       (μ = 0.9)\n" +
      "Adam:     θ ← θ − η/(1 − β1ᵗ) · m/(√(v/(1 − β2ᵗ)) + ε)",
    settings,
    tables: [summaryTable],
    numbers,
    checks: generalisationChecks,
    notes: [
      `Final training loss: ${formatNumber(summary[0].trainLoss)} for momentum, ${formatNumber(summary[1].trainLoss)} ` +
        `for Adam; final test loss: ${formatNumber(summary[0].testLoss)} and ${formatNumber(summary[1].testLoss)}.`,
      `This is a small network on ${formatCount(study.trainLimit)} images for ${study.epochs} epochs at a constant ` +
        "learning rate; Wilson et al. studied deep networks, among them a CIFAR-10 convolutional network, and " +
        "tuned each method's learning-rate decay as well.",
    ],
    outcome: outcomeOf(generalisationChecks),
    verdict: verdictOf(generalisationChecks),
    charts: [
      accuracyChart("generalisation-accuracy", ["momentum", "adam"]),
      lineChart({
        id: "generalisation-loss",
        title: "Training and test loss per epoch",
        description: `Mean training loss over each epoch (solid) and test loss after it (dashed), mean over ${study.seeds.length} seeds; log scale.`,
        xTitle: "epoch",
        xWhole: true,
        yTitle: "cross-entropy",
        yScale: "log",
        legendTitle: "optimizer, loss",
        series: ["momentum", "adam"].flatMap((label) => [
          { label: `${label}, training`, points: epochMeans(byLabel[label].runs, (e) => e.trainLoss) },
          { label: `${label}, test`, dashed: true, points: epochMeans(byLabel[label].runs, (e) => e.testLoss) },
        ]),
      }),
    ],
  };

  const spreadAtEnd = (label: string): StepSizeSpread => byLabel[label].runs[0].stepSizes.at(-1)!;
  const span = (label: string) => spreadAtEnd(label).max / spreadAtEnd(label).min;
  const bounded = ["adabound", "amsbound"];
  const closing = bounded.map((label) => ({ label, ...compare(byLabel[label].runs, byLabel.adam.runs) }));
  const gapExists = gap.difference > gap.margin;
  const adaboundChecks: Check[] = [
    {
      holds: bounded.every((label) => span(label) * 10 <= span("adam")),
      text:
        `After ${formatCount(totalSteps)} steps the per-weight step sizes spanned a factor of ` +
        `${formatNumber(span("adabound"))} for AdaBound and ${formatNumber(span("amsbound"))} for AMSBound, ` +
        `against ${formatNumber(span("adam"))} for Adam`,
      criterion: "The ratio of the largest to the smallest step size is at least 10 times smaller for AdaBound and AMSBound than for Adam.",
    },
    {
      holds: gapExists && closing.every((entry) => entry.difference > 0),
      text: gapExists
        ? `of SGD's ${points(gap.difference)} lead over Adam, ` +
          closing
            .map((entry) => `${entry.label} closed ${formatPercent(entry.difference / gap.difference)}`)
            .join(" and ")
        : `there was no gap beyond the margin to close (momentum − Adam = ${points(gap.difference)}, margin ` +
          `${points(gap.margin)}); AdaBound scored ${formatPercent(accuracyOf("adabound"))} and AMSBound ` +
          `${formatPercent(accuracyOf("amsbound"))} against Adam's ${formatPercent(accuracyOf("adam"))}`,
      criterion:
        "SGD with momentum beats Adam by more than the margin, and AdaBound and AMSBound both score above Adam.",
    },
  ];
  const adaboundNumbers: Record<string, number> = { ...numbers, steps: totalSteps };
  for (const label of ["adam", ...bounded]) {
    adaboundNumbers[`${label}StepSizeSpan`] = span(label);
    adaboundNumbers[`${label}StepSizeMin`] = spreadAtEnd(label).min;
    adaboundNumbers[`${label}StepSizeMax`] = spreadAtEnd(label).max;
    adaboundNumbers[`${label}StepSizeMedian`] = spreadAtEnd(label).median;
  }
  for (const entry of closing) adaboundNumbers[`${entry.label}MinusAdam`] = entry.difference;
  const adabound: SceneResult = {
    id: "adabound",
    title: "AdaBound and AMSBound: from Adam towards SGD",
    claim:
      "AdaBound and AMSBound clip each weight's step size into bounds that start wide and close in on one SGD " +
      "learning rate, so they behave like Adam early and like SGD later, closing part of the generalisation " +
      "gap (Luo, Xiong, Liu & Sun, \"Adaptive Gradient Methods with Dynamic Bound of Learning Rate\", ICLR 2019).",
    setup:
      `${setup} AdaBound and AMSBound use finalLr α* = ${FINAL_LR} and γ = ${GAMMA}. Step sizes are read from ` +
      `the optimizer's state after each epoch of seed ${study.seeds[0]}'s test run.`,
    rule:
      "s = η·√(1 − β2ᵗ)/(1 − β1ᵗ) / (√v + ε)                 (AMSBound: vMax in place of v)\n" +
      "ŝ = clip(s, α*·(1 − 1/(γt + 1)), α*·(1 + 1/(γt)))\n" +
      "θ ← θ − ŝ·m",
    settings,
    tables: [summaryTable],
    numbers: adaboundNumbers,
    checks: adaboundChecks,
    notes: [],
    outcome: outcomeOf(adaboundChecks),
    verdict: verdictOf(adaboundChecks),
    charts: [
      lineChart({
        id: "adabound-step-sizes",
        title: "Per-weight step sizes",
        description:
          "Smallest (dashed) and largest (solid) step size over all weights after each epoch, and AdaBound's " +
          `bounds α*·(1 − 1/(γt + 1)) and α*·(1 + 1/(γt)) in grey; seed ${study.seeds[0]}, log scale.`,
        xTitle: "epoch",
        xWhole: true,
        yTitle: "step size",
        yScale: "log",
        legendTitle: "optimizer",
        series: [
          ...["adam", ...bounded].flatMap((label) => [
            { label: `${label}, largest`, points: byLabel[label].runs[0].stepSizes.map((s) => [s.epoch, s.max] as const) },
            {
              label: `${label}, smallest`,
              dashed: true,
              points: byLabel[label].runs[0].stepSizes.map((s) => [s.epoch, s.min] as const),
            },
          ]),
          ...[
            { label: "upper bound", bound: (t: number) => FINAL_LR * (1 + 1 / (GAMMA * t)) },
            { label: "lower bound", bound: (t: number) => FINAL_LR * (1 - 1 / (GAMMA * t + 1)) },
          ].map(({ label, bound }) => ({
            label,
            color: "#aaaaaa",
            points: Array.from({ length: study.epochs }, (_, i) => [i + 1, bound((i + 1) * stepsPerEpoch)] as const),
          })),
        ],
      }),
      accuracyChart("adabound-accuracy", ["momentum", "adam", ...bounded]),
    ],
  };
  return [generalisation, adabound];
}

export const generalisationExperiment: Experiment = {
  id: "generalisation",
  sections: ["generalisation", "adabound"],
  needs: "training",
  run: runGeneralisationScenes,
};
