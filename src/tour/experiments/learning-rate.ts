import { QUADRATIC_CONDITION } from "../../landscape/index.js";
import { lineChart } from "../charts.js";
import { formatCount, formatNumber, formatPercent, outcomeOf, verdictOf } from "../format.js";
import { learningRateScene } from "../scenes.js";
import type { Check, Experiment, SceneResult } from "../types.js";
import { playScene, ravineMotion, sceneChart } from "./trajectories.js";

/** Runs the learning-rate scene: SGD at four rates on the ill-conditioned quadratic. */
export function runLearningRateScene(): SceneResult {
  const scene = learningRateScene;
  const played = playScene(scene);
  const limit = 2 / QUADRATIC_CONDITION;
  const rows = played.runs.map(({ run, trajectory }) => {
    const start = trajectory.values[0];
    const final = trajectory.values.at(-1)!;
    return {
      label: run.label,
      lr: run.options.lr as number,
      final,
      remaining: final / start,
      crossings: ravineMotion(trajectory.points).floorCrossings,
      steps: trajectory.points.length - 1,
      diverged: trajectory.diverged,
      values: trajectory.values,
    };
  });
  const smallest = rows[0];
  const largest = rows.at(-1)!;
  const middle = rows.slice(1, -1);
  const bestMiddle = middle.reduce((best, row) => (row.remaining < best.remaining ? row : best));
  const startValue = played.runs[0].trajectory.values[0];

  const checks: Check[] = [
    {
      holds: largest.final > startValue && largest.crossings > largest.steps / 2,
      text:
        `At lr ${largest.lr}, above the stability limit 2/${QUADRATIC_CONDITION} = ${limit}, SGD crossed the ` +
        `valley floor on ${largest.crossings} of ${largest.steps} steps and its loss went from ` +
        `${formatNumber(startValue)} to ${formatNumber(largest.final)}`,
      criterion:
        "The largest rate ends with a higher loss than it started with and crosses the valley floor on more " +
        "than half of its steps.",
    },
    {
      holds: smallest.remaining >= 10 * bestMiddle.remaining,
      text:
        `at lr ${smallest.lr}, ${formatCount(smallest.steps)} steps left ${formatPercent(smallest.remaining)} ` +
        `of the starting loss, against ${formatPercent(bestMiddle.remaining)} at lr ${bestMiddle.lr}`,
      criterion: "The smallest rate keeps at least 10 times as much of its starting loss as the best middle rate.",
    },
  ];
  const zigzag = middle.at(-1)!;
  const notes = [
    `Just below the limit, lr ${zigzag.lr} crossed the valley floor on ${zigzag.crossings} of ${zigzag.steps} ` +
      `steps and still ended at ${formatNumber(zigzag.final)}: overshooting across a steep direction is ` +
      "harmless while each crossing lands closer to the floor than the one before.",
  ];

  const numbers: Record<string, number> = { steps: scene.steps, stabilityLimit: limit, startValue };
  for (const row of rows) {
    numbers[`finalValueAtLr${row.lr}`] = row.final;
    numbers[`floorCrossingsAtLr${row.lr}`] = row.crossings;
  }

  return {
    id: "learning-rate",
    title: "Learning rate: overshoot and crawl",
    claim: "Too large a learning rate overshoots the minimum and can diverge; too small a one crawls.",
    setup:
      `Plain gradient descent runs ${scene.steps} steps on the ill-conditioned quadratic (curvatures 1 and ` +
      `${QUADRATIC_CONDITION}, valley turned 45°) from (${scene.start.join(", ")}) at four learning rates. ` +
      `Gradient descent on a quadratic is stable only below 2 divided by the largest curvature, here ${limit}. ` +
      "The gradients are exact, so the runs involve no randomness.",
    rule: "θ ← θ − η·∇f(θ)",
    settings: { steps: scene.steps, start: `(${scene.start.join(", ")})`, "learning rates": rows.map((r) => r.lr).join(", ") },
    tables: [
      {
        rowHeading: "run",
        columns: [
          { key: "final", label: "final loss" },
          { key: "remaining", label: "share of starting loss", format: "percent" },
          { key: "crossings", label: "valley-floor crossings", format: "integer" },
        ],
        rows: rows.map((row) => ({
          label: row.label,
          values: { final: row.final, remaining: row.remaining, crossings: row.crossings },
        })),
      },
    ],
    numbers,
    checks,
    notes,
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      sceneChart(played, {
        id: "learning-rate-paths",
        title: "Paths at four learning rates",
        description: `SGD's path from (${scene.start.join(", ")}) at each learning rate; the minimum is at the origin.`,
        colors: LR_COLORS,
      }),
      lineChart({
        id: "learning-rate-loss",
        title: "Loss per step",
        description: "Function value after each step, log scale; the run above the stability limit leaves the chart.",
        xTitle: "step",
        xWhole: true,
        yTitle: "f(x, y)",
        yScale: "log",
        yDomain: [1e-4, 1e3],
        series: rows.map((row) => ({
          label: row.label,
          color: LR_COLORS[rows.indexOf(row)],
          points: row.values.map((value, step) => [step, value] as const),
        })),
        legendTitle: "run",
      }),
    ],
  };
}

/** Light to dark: smaller rates lighter. */
const LR_COLORS = ["#9ecae1", "#4292c6", "#08519c", "#e15759"];

export const learningRateExperiment: Experiment = {
  id: "learning-rate",
  sections: ["learning-rate"],
  needs: "landscape",
  run: runLearningRateScene,
};
