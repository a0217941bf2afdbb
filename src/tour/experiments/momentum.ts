import { type Point, getTestFunction, runTrajectory } from "../../landscape/index.js";
import { lineChart } from "../charts.js";
import { formatCount, formatFold, formatNumber, outcomeOf, verdictOf } from "../format.js";
import { SceneRandom } from "../random.js";
import { localMinimaScene, ravineScene } from "../scenes.js";
import { mean } from "../tuning.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";
import { playScene, ravineMotion, sceneChart, trajectoryOf, valleyCoordinates } from "./trajectories.js";

/** Final values closer than this count as the same minimum. */
const SAME_VALUE = 1e-6;

/** Draws `count` starts uniformly from the function's plotted domain. */
function randomStarts(functionName: string, count: number, seed: number): Point[] {
  const { domain } = getTestFunction(functionName);
  const random = new SceneRandom(seed);
  return Array.from({ length: count }, () => [
    domain.x[0] + random.uniform() * (domain.x[1] - domain.x[0]),
    domain.y[0] + random.uniform() * (domain.y[1] - domain.y[0]),
  ] as const);
}

/** Runs the momentum scene: local minima from many starts, and the zigzag in a ravine. */
export function runMomentumScene({ seed, size }: SceneContext): SceneResult {
  const scene = localMinimaScene;
  const [sgdRun, momentumRun] = scene.runs;
  const starts = randomStarts(scene.functionName, size === "quick" ? 40 : 400, seed);
  let lower = 0;
  let higher = 0;
  const finals = { sgd: [] as number[], momentum: [] as number[] };
  for (const start of starts) {
    const plain = runTrajectory(scene.functionName, sgdRun.optimizer, sgdRun.options, start, scene.steps);
    const rolled = runTrajectory(scene.functionName, momentumRun.optimizer, momentumRun.options, start, scene.steps);
    const [a, b] = [plain.values.at(-1)!, rolled.values.at(-1)!];
    finals.sgd.push(a);
    finals.momentum.push(b);
    if (b < a - SAME_VALUE) lower += 1;
    else if (b > a + SAME_VALUE) higher += 1;
  }
  const camel = playScene(scene);

  const ravine = playScene(ravineScene);
  const [sgdLabel, momentumLabel] = ravineScene.runs.map((run) => run.label);
  const zigzag = ravineMotion(trajectoryOf(ravine, sgdLabel).points);
  const damped = ravineMotion(trajectoryOf(ravine, momentumLabel).points);
  const sgdFinal = trajectoryOf(ravine, sgdLabel).values.at(-1)!;
  const momentumFinal = trajectoryOf(ravine, momentumLabel).values.at(-1)!;

  const checks: Check[] = [
    {
      holds: lower > higher,
      text:
        `From ${formatCount(starts.length)} random starts on the six-hump camel, momentum ended in a lower ` +
        `minimum than plain SGD from ${lower}, in a higher one from ${higher} and in the same one from ` +
        `${starts.length - lower - higher}`,
      criterion: "Momentum ends lower than SGD from more starts than it ends higher.",
    },
    {
      holds: damped.floorCrossings < zigzag.floorCrossings && momentumFinal < sgdFinal,
      text:
        `in the ravine, momentum crossed the valley floor ${damped.floorCrossings} times to SGD's ` +
        `${zigzag.floorCrossings} and ended at ${formatNumber(momentumFinal)}, ` +
        (momentumFinal < sgdFinal
          ? `${formatFold(sgdFinal / momentumFinal)} below SGD's ${formatNumber(sgdFinal)}`
          : `above SGD's ${formatNumber(sgdFinal)}`),
      criterion: "In the ravine, momentum crosses the valley floor fewer times than SGD and ends lower.",
    },
  ];
  const notes = [
    `Mean final value over the starts: ${formatNumber(mean(finals.sgd))} for SGD, ` +
      `${formatNumber(mean(finals.momentum))} for momentum; the global minimum is ` +
      `${formatNumber(Math.min(...getTestFunction(scene.functionName).minima.map((m) => m.value)))}.`,
  ];

  return {
    id: "momentum",
    title: "Momentum: rolling through local minima, damping the zigzag",
    claim:
      "Momentum accumulates speed, so it rolls through small local minima, and it damps oscillation: " +
      "gradient components that flip sign cancel in the velocity while steady ones add up.",
    setup:
      `Local minima: SGD without and with momentum 0.9, both at lr ${sgdRun.options.lr}, run ` +
      `${scene.steps} steps on the six-hump camel function (two global and four local minima) from ` +
      `${formatCount(starts.length)} starts drawn uniformly from its domain with seed ${seed}. Ravine: on the ` +
      `ill-conditioned quadratic, SGD at lr ${ravineScene.runs[0].options.lr}, which zigzags, against ` +
      `momentum 0.9 at lr ${ravineScene.runs[1].options.lr}: on a steady slope momentum's step grows to ` +
      "η/(1 − μ), the same as SGD's.",
    rule: "b ← μ·b + g\nθ ← θ − η·b          (μ = 0 is plain SGD)",
    settings: {
      "local-minima starts": starts.length,
      "local-minima steps": scene.steps,
      "local-minima lr": sgdRun.options.lr as number,
      "ravine steps": ravineScene.steps,
      "ravine sgd lr": ravineScene.runs[0].options.lr as number,
      "ravine momentum lr": ravineScene.runs[1].options.lr as number,
      seed,
    },
    tables: [
      {
        rowHeading: "six-hump camel",
        columns: [
          { key: "meanFinal", label: "mean final value" },
          { key: "lower", label: "starts ending lower than the other", format: "integer" },
        ],
        rows: [
          { label: "sgd", values: { meanFinal: mean(finals.sgd), lower: higher } },
          { label: "momentum", values: { meanFinal: mean(finals.momentum), lower } },
        ],
      },
      {
        rowHeading: "ravine",
        columns: [
          { key: "final", label: "final value" },
          { key: "crossings", label: "valley-floor crossings", format: "integer" },
          { key: "travel", label: "extra travel across the valley" },
        ],
        rows: [
          { label: "sgd", values: { final: sgdFinal, crossings: zigzag.floorCrossings, travel: zigzag.extraCrossTravel } },
          {
            label: "momentum",
            values: { final: momentumFinal, crossings: damped.floorCrossings, travel: damped.extraCrossTravel },
          },
        ],
      },
    ],
    numbers: {
      starts: starts.length,
      momentumLowerStarts: lower,
      momentumHigherStarts: higher,
      sgdMeanFinal: mean(finals.sgd),
      momentumMeanFinal: mean(finals.momentum),
      ravineSgdFinal: sgdFinal,
      ravineMomentumFinal: momentumFinal,
      ravineSgdCrossings: zigzag.floorCrossings,
      ravineMomentumCrossings: damped.floorCrossings,
      ravineSgdExtraTravel: zigzag.extraCrossTravel,
      ravineMomentumExtraTravel: damped.extraCrossTravel,
    },
    checks,
    notes,
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      sceneChart(camel, {
        id: "momentum-camel",
        title: "One start on the six-hump camel",
        description: `Both runs from (${scene.start.join(", ")}); crosses mark the minima, grey ones local.`,
      }),
      sceneChart(ravine, {
        id: "momentum-ravine",
        title: "The zigzag in the ravine",
        description: "SGD at a rate that overshoots across the valley, momentum at the same step on a steady slope.",
        domain: { x: [-3, 1], y: [-2, 2] },
      }),
      lineChart({
        id: "momentum-across",
        title: "Position across the valley",
        description: "The coordinate v = (x − y)/√2 across the ravine after each step; the floor is v = 0.",
        xTitle: "step",
        xWhole: true,
        yTitle: "v",
        series: ravine.runs.map(({ run, trajectory }) => ({
          label: run.label,
          points: trajectory.points.map((point, step) => [step, valleyCoordinates(point).across] as const),
        })),
        rules: [{ y: 0, label: "valley floor" }],
      }),
    ],
  };
}

export const momentumExperiment: Experiment = {
  id: "momentum",
  sections: ["momentum"],
  needs: "landscape",
  run: runMomentumScene,
};
