import { lineChart } from "../charts.js";
import { formatCount, formatNumber, outcomeOf, verdictOf } from "../format.js";
import { type LandscapeScene, flatScene, saddleScene } from "../scenes.js";
import type { Check, MetricTable, Experiment, SceneResult } from "../types.js";
import { type PlayedScene, playScene, sceneChart } from "./trajectories.js";

/** A run has left the critical point once f has fallen to this value. */
const ESCAPED_BELOW = -1;
/** Radius around the critical point (the origin) that counts as near it. */
const NEAR_RADIUS = 0.5;

interface EscapeRow {
  label: string;
  lr: number;
  /** First step with f ≤ −1, or Infinity if the run never got there. */
  escapeStep: number;
  /** Steps that ended within {@link NEAR_RADIUS} of the origin. */
  stepsNear: number;
}

function measureEscapes(played: PlayedScene): EscapeRow[] {
  return played.runs.map(({ run, trajectory }) => {
    const escape = trajectory.values.findIndex((value) => value <= ESCAPED_BELOW);
    return {
      label: run.label,
      lr: run.options.lr as number,
      escapeStep: escape < 0 ? Infinity : escape,
      stepsNear: trajectory.points.slice(1).filter(([x, y]) => Math.hypot(x, y) < NEAR_RADIUS).length,
    };
  });
}

function describeStep(step: number): string {
  return Number.isFinite(step) ? formatCount(step) : "never";
}

function escapeCheck(scene: LandscapeScene, title: string, rows: readonly EscapeRow[]): Check {
  const sgd = rows.find((row) => row.label === "sgd")!;
  const others = rows.filter((row) => row !== sgd);
  const slowest = others.every((row) => sgd.escapeStep > row.escapeStep);
  return {
    holds: slowest,
    text:
      `on ${title} SGD reached f ≤ ${formatNumber(ESCAPED_BELOW)} after ${describeStep(sgd.escapeStep)} steps, against ` +
      others.map((row) => `${describeStep(row.escapeStep)} for ${row.label}`).join(", "),
    criterion: `On ${title}, SGD takes more steps than every other optimizer to reach f ≤ ${formatNumber(ESCAPED_BELOW)} (within ${scene.steps} steps).`,
  };
}

function escapeTable(rows: readonly EscapeRow[]): MetricTable {
  return {
    rowHeading: "optimizer",
    columns: [
      { key: "lr", label: "lr" },
      { key: "escapeStep", label: `steps to f ≤ ${formatNumber(ESCAPED_BELOW)}`, format: "integer" },
      { key: "stepsNear", label: `steps within ${NEAR_RADIUS} of the origin`, format: "integer" },
    ],
    rows: rows.map((row) => ({
      label: row.label,
      values: { lr: row.lr, escapeStep: row.escapeStep, stepsNear: row.stepsNear },
    })),
  };
}

/** Runs the saddle scene: the saddle x² − y² and the flat monkey saddle. */
export function runSaddleScene(): SceneResult {
  const saddle = playScene(saddleScene);
  const monkey = playScene(flatScene);
  const saddleRows = measureEscapes(saddle);
  const monkeyRows = measureEscapes(monkey);
  const checks = [
    escapeCheck(saddleScene, "the saddle x² − y²", saddleRows),
    escapeCheck(flatScene, "the monkey saddle", monkeyRows),
  ];
  checks[0] = { ...checks[0], text: checks[0].text[0].toUpperCase() + checks[0].text.slice(1) };

  const numbers: Record<string, number> = {};
  for (const [prefix, rows] of [["saddle", saddleRows], ["monkeySaddle", monkeyRows]] as const) {
    for (const row of rows) {
      numbers[`${prefix}EscapeStep_${row.label}`] = row.escapeStep;
      numbers[`${prefix}StepsNear_${row.label}`] = row.stepsNear;
    }
  }

  return {
    id: "saddle",
    title: "Saddle points and flat areas",
    claim:
      "Plain gradient descent stalls at saddle points and in flat areas, where the gradient is close to " +
      "zero, while momentum and adaptive methods move on.",
    setup:
      `Four optimizers start near the critical point of two saddles: x² − y² from ` +
      `(${saddleScene.start.join(", ")}), just off its ridge, and the monkey saddle x³ − 3xy² from ` +
      `(${flatScene.start.join(", ")}), where the gradient is already small and fades quadratically ` +
      "towards the origin. Each runs at " +
      "the learning rate the landscape module lists as its default for that function, chosen there from a " +
      "grid as the rate with the lowest final value whose path stays legible. Both functions are unbounded " +
      `below; a run counts as escaped once f ≤ ${formatNumber(ESCAPED_BELOW)}. The gradients are exact.`,
    rule:
      "SGD:      θ ← θ − η·g\n" +
      "Momentum: b ← μ·b + g,  θ ← θ − η·b\n" +
      "RMSprop:  v ← α·v + (1 − α)·g²,  θ ← θ − η·g/(√v + ε)\n" +
      "Adam:     θ ← θ − η·m̂/(√v̂ + ε)",
    settings: {
      "saddle start": `(${saddleScene.start.join(", ")})`,
      "saddle steps": saddleScene.steps,
      "monkey saddle start": `(${flatScene.start.join(", ")})`,
      "monkey saddle steps": flatScene.steps,
      ...Object.fromEntries(saddleRows.map((row) => [`${row.label} lr on the saddle`, row.lr])),
      ...Object.fromEntries(monkeyRows.map((row) => [`${row.label} lr on the monkey saddle`, row.lr])),
    },
    tables: [
      { ...escapeTable(saddleRows), rowHeading: "saddle x² − y²" },
      { ...escapeTable(monkeyRows), rowHeading: "monkey saddle" },
    ],
    numbers,
    checks,
    notes: [],
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      sceneChart(saddle, {
        id: "saddle-paths",
        title: "Leaving the saddle",
        description: "Paths from a start just off the ridge y = 0 of x² − y².",
      }),
      sceneChart(monkey, {
        id: "monkey-saddle-paths",
        title: "Crossing the monkey saddle's flat centre",
        description: "Paths over the monkey saddle x³ − 3xy², whose gradient vanishes at the origin.",
      }),
      lineChart({
        id: "saddle-distance",
        title: "Distance from the monkey saddle's centre",
        description: "Distance of each path from the origin after each step; a flat stretch is a stall.",
        xTitle: "step",
        xWhole: true,
        yTitle: "distance from (0, 0)",
        yScale: "log",
        yDomain: [0.01, 10],
        series: monkey.runs.map(({ run, trajectory }) => ({
          label: run.label,
          points: trajectory.points.map(([x, y], step) => [step, Math.hypot(x, y)] as const),
        })),
      }),
    ],
  };
}

export const saddleExperiment: Experiment = {
  id: "saddle",
  sections: ["saddle"],
  needs: "landscape",
  run: runSaddleScene,
};
