import { defaultLearningRate, runTrajectory, testFunctions } from "../../landscape/index.js";
import { outcomeOf, verdictOf } from "../format.js";
import { adamBealeScene, adamRosenbrockScene } from "../scenes.js";
import type { Check, Experiment, SceneResult } from "../types.js";
import { playScene, sceneChart } from "./trajectories.js";

const PARTS = ["momentum", "rmsprop"] as const;
/** Gaps to the minimum below this count as reached, so two such runs tie. */
const REACHED = 1e-9;

/** Returns 1 when gap `a` is clearly smaller than `b`, −1 when clearly larger, 0 for a tie. */
function compareGaps(a: number, b: number): number {
  if (Math.max(a, b) < REACHED) return 0;
  if (a < 0.999 * b) return 1;
  return b < 0.999 * a ? -1 : 0;
}

/** Runs the Adam scene: Adam against momentum alone and RMSprop alone on every test function. */
export function runAdamScene(): SceneResult {
  const panel = testFunctions
    .filter((fn) => fn.minima.length > 0)
    .map((fn) => {
      const best = Math.min(...fn.minima.map((m) => m.value));
      const gaps = Object.fromEntries(
        ["momentum", "rmsprop", "adam"].map((name) => {
          const lr = defaultLearningRate(name, fn.name);
          return [name, runTrajectory(fn, name, { lr }, fn.start, fn.steps).values.at(-1)! - best];
        }),
      );
      return { name: fn.name, steps: fn.steps, gaps };
    });
  const tally = PARTS.map((part) => {
    const results = panel.map((row) => compareGaps(row.gaps.adam, row.gaps[part]));
    return {
      part,
      wins: results.filter((r) => r > 0).length,
      losses: results.filter((r) => r < 0).length,
      ties: results.filter((r) => r === 0).length,
    };
  });
  const describe = (entry: (typeof tally)[number]) =>
    `closer to the minimum than ${entry.part} on ${entry.wins} of ${panel.length} test functions, farther on ${entry.losses}` +
    (entry.ties > 0 ? ` and level on ${entry.ties}` : "");
  const [momentum, rmsprop] = tally;
  const checks: Check[] = [
    {
      holds: rmsprop.wins > rmsprop.losses,
      text: `Adam ended ${describe(rmsprop)}`,
      criterion: "Adam ends closer to the minimum than RMSprop (per-parameter rates without momentum) on more functions than it ends farther.",
    },
    {
      holds: momentum.wins > momentum.losses,
      text: describe(momentum),
      criterion: "Adam ends closer to the minimum than SGD with momentum (momentum without per-parameter rates) on more functions than it ends farther.",
    },
  ];
  const numbers: Record<string, number> = { functions: panel.length };
  for (const entry of tally) {
    numbers[`winsOver_${entry.part}`] = entry.wins;
    numbers[`lossesTo_${entry.part}`] = entry.losses;
    numbers[`tiesWith_${entry.part}`] = entry.ties;
  }
  for (const row of panel) {
    for (const [name, gap] of Object.entries(row.gaps)) numbers[`gap_${row.name}_${name}`] = gap;
  }

  return {
    id: "adam",
    title: "Adam: momentum plus per-parameter rates",
    claim:
      "Adam combines momentum (a running mean of the gradient) with RMSprop's per-parameter rates (a " +
      "running mean of its square), so it should do at least as well as either part alone.",
    setup:
      `SGD with momentum 0.9, RMSprop and Adam run on each of the landscape module's ${panel.length} test ` +
      "functions with a known minimum, from the function's default start for its default number of steps, " +
      "each at the learning rate the landscape module lists as its default for that function (chosen there " +
      "from a grid for the lowest mean log-distance to the minimum along a legible path). Results within " +
      `0.1% of each other, or both within ${REACHED} of the minimum, count as level. The gradients are exact.`,
    rule:
      "momentum: b ← μ·b + g                      θ ← θ − η·b\n" +
      "RMSprop:  v ← α·v + (1 − α)·g²             θ ← θ − η·g/(√v + ε)\n" +
      "Adam:     m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²\n" +
      "          θ ← θ − η/(1 − β1ᵗ) · m/(√(v/(1 − β2ᵗ)) + ε)",
    settings: Object.fromEntries(
      panel.map((row) => [
        row.name,
        `${row.steps} steps; lr ${["momentum", "rmsprop", "adam"].map((name) => defaultLearningRate(name, row.name)).join(" / ")}`,
      ]),
    ),
    tables: [
      {
        rowHeading: "test function",
        columns: [
          { key: "momentum", label: "momentum: final f − f*" },
          { key: "rmsprop", label: "rmsprop: final f − f*" },
          { key: "adam", label: "adam: final f − f*" },
        ],
        rows: panel.map((row) => ({ label: row.name, values: row.gaps })),
      },
    ],
    numbers,
    checks,
    notes: [],
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      sceneChart(playScene(adamRosenbrockScene), {
        id: "adam-rosenbrock",
        title: "Rosenbrock's valley",
        description: "Momentum, RMSprop and Adam from (−1.2, 1), each at its default rate for Rosenbrock.",
      }),
      sceneChart(playScene(adamBealeScene), {
        id: "adam-beale",
        title: "Beale's plateaus",
        description: "Momentum, RMSprop and Adam from (1, 1.5), each at its default rate for Beale.",
      }),
    ],
  };
}

export const adamExperiment: Experiment = {
  id: "adam",
  sections: ["adam"],
  needs: "landscape",
  run: runAdamScene,
};
