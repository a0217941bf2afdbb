import { defaultLearningRate, runTrajectory, testFunctions } from "../../landscape/index.js";
import { lineChart } from "../charts.js";
import { formatFold, formatNumber, outcomeOf, verdictOf } from "../format.js";
import { type LandscapeScene, nadamScene, nesterovScene } from "../scenes.js";
import type { Check, MetricTable, Experiment, SceneResult } from "../types.js";
import { playScene, ravineMotion, sceneChart, trajectoryOf, valleyCoordinates } from "./trajectories.js";

/** Texts of a look-ahead scene: a method against the same method with Nesterov's look-ahead. */
interface LookAheadTexts {
  id: string;
  title: string;
  claim: string;
  rule: string;
  /** Names as the verdict writes them, such as "Nesterov momentum". */
  baseName: string;
  lookAheadName: string;
}

/** Compares the ravine motion of a scene's two runs: the base method first, its look-ahead form second. */
function runLookAhead(scene: LandscapeScene, texts: LookAheadTexts): SceneResult {
  const played = playScene(scene);
  const [base, lookAhead] = scene.runs.map((run) => {
    const trajectory = trajectoryOf(played, run.label);
    return { run, trajectory, motion: ravineMotion(trajectory.points), final: trajectory.values.at(-1)! };
  });
  const ratio = (a: number, b: number) => (b > 0 ? formatFold(a / b) : "infinitely");

  const checks: Check[] = [
    {
      holds: lookAhead.motion.overshootPastMinimum < base.motion.overshootPastMinimum,
      text:
        `Along the valley, ${texts.lookAheadName} overshot the minimum by ` +
        `${formatNumber(lookAhead.motion.overshootPastMinimum)} against ${formatNumber(base.motion.overshootPastMinimum)} ` +
        `for ${texts.baseName}`,
      criterion: `${texts.lookAheadName} goes less far past the minimum along the valley floor.`,
    },
    {
      holds: lookAhead.motion.extraCrossTravel < base.motion.extraCrossTravel,
      text:
        `across it, ${texts.lookAheadName} travelled ${formatNumber(lookAhead.motion.extraCrossTravel)} beyond ` +
        `the distance to the floor against ${formatNumber(base.motion.extraCrossTravel)} ` +
        `(${ratio(base.motion.extraCrossTravel, lookAhead.motion.extraCrossTravel)} less)`,
      criterion: `${texts.lookAheadName} travels less across the valley beyond reaching its floor.`,
    },
  ];
  const rows = [base, lookAhead];
  const table: MetricTable = {
    rowHeading: "optimizer",
    columns: [
      { key: "overshoot", label: "overshoot past the minimum" },
      { key: "travel", label: "extra travel across the valley" },
      { key: "crossings", label: "valley-floor crossings", format: "integer" },
      { key: "final", label: "final value" },
    ],
    rows: rows.map((entry) => ({
      label: entry.run.label,
      values: {
        overshoot: entry.motion.overshootPastMinimum,
        travel: entry.motion.extraCrossTravel,
        crossings: entry.motion.floorCrossings,
        final: entry.final,
      },
    })),
  };
  const numbers: Record<string, number> = { steps: scene.steps };
  for (const entry of rows) {
    const key = entry.run.label;
    numbers[`${key}Overshoot`] = entry.motion.overshootPastMinimum;
    numbers[`${key}ExtraCrossTravel`] = entry.motion.extraCrossTravel;
    numbers[`${key}FloorCrossings`] = entry.motion.floorCrossings;
    numbers[`${key}Final`] = entry.final;
  }

  return {
    id: texts.id,
    title: texts.title,
    claim: texts.claim,
    setup:
      `Both run ${scene.steps} steps on the ill-conditioned quadratic from (${scene.start.join(", ")}) with ` +
      `the same learning rate, ${String(scene.runs[0].options.lr)}, and otherwise the same options. ` +
      "The valley floor runs along x = y to the minimum at the origin; overshoot is measured along the floor " +
      "past the minimum, and travel across it beyond the distance the first approach needs. The gradients " +
      "are exact.",
    rule: texts.rule,
    settings: {
      steps: scene.steps,
      start: `(${scene.start.join(", ")})`,
      ...Object.fromEntries(scene.runs.map((run) => [`${run.label} options`, JSON.stringify(run.options)])),
    },
    tables: [table],
    numbers,
    checks,
    notes: [],
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      sceneChart(played, {
        id: `${texts.id}-paths`,
        title: `${texts.baseName} and ${texts.lookAheadName} in the ravine`,
        description: `Both paths from (${scene.start.join(", ")}) with the same options.`,
        domain: { x: [-3, 1], y: [-2, 2] },
      }),
      lineChart({
        id: `${texts.id}-along`,
        title: "Position along the valley floor",
        description: "The coordinate u = (x + y)/√2 along the floor after each step; the minimum is at u = 0.",
        xTitle: "step",
        xWhole: true,
        yTitle: "u",
        series: played.runs.map(({ run, trajectory }) => ({
          label: run.label,
          points: trajectory.points.map((point, step) => [step, valleyCoordinates(point).along] as const),
        })),
        rules: [{ y: 0, label: "minimum" }],
      }),
    ],
  };
}

/** Runs the Nesterov scene: classical against Nesterov momentum in the ravine. */
export function runNesterovScene(): SceneResult {
  return runLookAhead(nesterovScene, {
    id: "nesterov",
    title: "Nesterov momentum: look before you leap",
    claim:
      "Nesterov momentum computes the gradient where the momentum is about to carry the parameters, so it " +
      "corrects sooner and overshoots less than classical momentum.",
    rule:
      "classical: b ← μ·b + g,  θ ← θ − η·b\n" +
      "Nesterov:  b ← μ·b + g,  θ ← θ − η·(g + μ·b)     (PyTorch's form of the look-ahead)",
    baseName: "classical momentum",
    lookAheadName: "Nesterov momentum",
  });
}

/** Runs the Nadam scene: Adam against Nadam, plus a panel of test functions. */
export function runNadamScene(): SceneResult {
  const result = runLookAhead(nadamScene, {
    id: "nadam",
    title: "Nadam: Adam with Nesterov's look-ahead",
    claim: "Nadam puts Nesterov's look-ahead into Adam's first moment, so it overshoots less than Adam.",
    rule:
      "Adam:  θ ← θ − η/(1 − β1ᵗ) · m / D\n" +
      "Nadam: θ ← θ − η·(1 − μₜ)/(1 − Πμ) · g / D − η·μₜ₊₁/(1 − Πμ·μₜ₊₁) · m / D\n" +
      "       D = √(v/(1 − β2ᵗ)) + ε;  μₜ = β1·(1 − ½·0.96^(t·ψ)), Dozat's momentum schedule",
    baseName: "Adam",
    lookAheadName: "Nadam",
  });

  // Beyond the ravine: both at Adam's default rate on every test function with a known minimum.
  const panel = testFunctions
    .filter((fn) => fn.minima.length > 0)
    .map((fn) => {
      const lr = defaultLearningRate("adam", fn.name);
      const best = Math.min(...fn.minima.map((m) => m.value));
      const [adam, nadam] = ["adam", "nadam"].map(
        (name) => runTrajectory(fn, name, { lr }, fn.start, fn.steps).values.at(-1)! - best,
      );
      return { name: fn.name, lr, adam, nadam };
    });
  const nadamAhead = panel.filter((row) => row.nadam < row.adam * 0.999).length;
  const adamAhead = panel.filter((row) => row.adam < row.nadam * 0.999).length;
  const numbers: Record<string, number> = { ...result.numbers, panelNadamAhead: nadamAhead, panelAdamAhead: adamAhead };
  for (const row of panel) {
    numbers[`panelAdamGap_${row.name}`] = row.adam;
    numbers[`panelNadamGap_${row.name}`] = row.nadam;
  }
  return {
    ...result,
    numbers,
    tables: [
      ...result.tables,
      {
        rowHeading: "test function",
        columns: [
          { key: "lr", label: "lr" },
          { key: "adam", label: "adam: final f − f*" },
          { key: "nadam", label: "nadam: final f − f*" },
        ],
        rows: panel.map((row) => ({ label: row.name, values: { lr: row.lr, adam: row.adam, nadam: row.nadam } })),
      },
    ],
    notes: [
      `Less overshoot does not always mean a better end point: at Adam's default rate for each test function, ` +
        `from its default start, Nadam ended closer to the lowest minimum on ${nadamAhead} of ${panel.length} ` +
        `functions and Adam on ${adamAhead}.`,
    ],
  };
}

export const nesterovExperiment: Experiment = {
  id: "nesterov",
  sections: ["nesterov"],
  needs: "landscape",
  run: runNesterovScene,
};

export const nadamExperiment: Experiment = {
  id: "nadam",
  sections: ["nadam"],
  needs: "landscape",
  run: runNadamScene,
};
