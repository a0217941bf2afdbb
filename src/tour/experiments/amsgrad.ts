import { Parameter, createOptimizer } from "../../core/index.js";
import { lineChart } from "../charts.js";
import { formatCount, formatNumber, outcomeOf, verdictOf } from "../format.js";
import type { Check, Experiment, SceneContext, SceneResult } from "../types.js";

/** The rare gradient's size C; Reddi et al.'s Theorem 1 needs C > 2. */
const C = 3;
/** Base learning rate α of the schedule αₜ = α/√t. */
const ALPHA = 0.5;

interface Variant {
  label: string;
  name: "adam" | "amsgrad";
  betas: [number, number];
}

/** β1 = 0 and β2 = 1/(1 + C²), the setting of Reddi et al.'s Theorem 1. */
const THEOREM_BETAS: [number, number] = [0, 1 / (1 + C * C)];
const VARIANTS: readonly Variant[] = [
  { label: "adam", name: "adam", betas: THEOREM_BETAS },
  { label: "amsgrad", name: "amsgrad", betas: THEOREM_BETAS },
  { label: "adam, default betas", name: "adam", betas: [0.9, 0.999] },
];

interface OnlineRun {
  finalX: number;
  /** Regret Rₜ/t at the end: mean loss paid minus the best fixed point's. */
  averageRegret: number;
  trace: Array<{ step: number; x: number; averageRegret: number }>;
}

/** Returns the loss coefficient at step t (from 1): fₜ(x) = C·x once every 3 steps, −x otherwise. */
function coefficientAt(step: number): number {
  return step % 3 === 1 ? C : -1;
}

/**
 * Plays the online problem: at each step the optimizer receives the gradient of
 * fₜ at its current x, steps with learning rate α/√t, and x is projected back
 * onto [−1, 1]. The best fixed point is x = −1, since each period of three
 * steps adds (C − 2)·x to the total loss.
 */
function playOnline(variant: Variant, steps: number): OnlineRun {
  const x = new Parameter(new Float64Array(1));
  const optimizer = createOptimizer(variant.name, [x], { lr: ALPHA, betas: variant.betas });
  const trace: OnlineRun["trace"] = [];
  const every = Math.max(1, Math.round(steps / 400));
  let paid = 0;
  let coefficientSum = 0;

  for (let step = 1; step <= steps; step++) {
    const coefficient = coefficientAt(step);
    paid += coefficient * x.data[0];
    coefficientSum += coefficient;
    optimizer.paramGroups[0].lr = ALPHA / Math.sqrt(step);
    x.grad![0] = coefficient;
    optimizer.step();
    x.data[0] = Math.min(1, Math.max(-1, x.data[0]));

    // The best fixed point in hindsight pays −|Σ cₛ|, at x = −sign(Σ cₛ).
    const averageRegret = (paid + Math.abs(coefficientSum)) / step;
    if (step % every === 0 || step === steps) trace.push({ step, x: x.data[0], averageRegret });
  }
  const last = trace.at(-1)!;
  return { finalX: last.x, averageRegret: last.averageRegret, trace };
}

/** Runs Reddi et al.'s counterexample for Adam and AMSGrad. */
export function runAmsgradScene({ seed, size }: SceneContext): SceneResult {
  const steps = size === "quick" ? 3000 : 30_000;
  const runs = VARIANTS.map((variant) => ({ variant, run: playOnline(variant, steps) }));
  const [adam, amsgrad, adamDefault] = runs.map((entry) => entry.run);

  const checks: Check[] = [
    {
      holds: adam.finalX > 0.9 && adam.averageRegret > 0.1,
      text:
        `With β1 = 0 and β2 = 1/(1 + C²), Adam ended at x = ${formatNumber(adam.finalX)}` +
        (adam.finalX === 1 ? ", the worst point," : "") +
        ` with average regret ${formatNumber(adam.averageRegret)} after ${formatCount(steps)} steps`,
      criterion: "Adam's x ends above 0.9 and its average regret stays above 0.1.",
    },
    {
      holds: amsgrad.finalX < -0.9 && amsgrad.averageRegret < adam.averageRegret / 5,
      text:
        `AMSGrad ended at x = ${formatNumber(amsgrad.finalX)} with average regret ` +
        `${formatNumber(amsgrad.averageRegret)}`,
      criterion:
        "AMSGrad's x ends below −0.9, near the optimum −1, and its average regret is under a fifth of Adam's.",
    },
  ];
  const notes = [
    `With PyTorch's default betas (0.9, 0.999) Adam ended at x = ${formatNumber(adamDefault.finalX)} ` +
      `with average regret ${formatNumber(adamDefault.averageRegret)}. This problem defeats Adam only ` +
      "when β2 is small enough for v to forget the one large gradient in three within the next two " +
      "steps; with β2 = 0.999, v averages over many periods and the large gradient's direction wins.",
  ];

  const numbers: Record<string, number> = { steps, C, alpha: ALPHA, beta2: THEOREM_BETAS[1] };
  const keys = ["adam", "amsgrad", "adamDefaultBetas"];
  runs.forEach(({ run }, index) => {
    numbers[`${keys[index]}FinalX`] = run.finalX;
    numbers[`${keys[index]}AverageRegret`] = run.averageRegret;
  });

  return {
    id: "amsgrad",
    title: "AMSGrad: when Adam does not converge",
    claim:
      "Adaptive methods can fail to converge even on a convex problem (Reddi, Kale & Kumar, \"On the " +
      "Convergence of Adam and Beyond\", ICLR 2018); AMSGrad fixes this by never letting the " +
      "second-moment estimate decrease.",
    setup:
      `The online problem of Reddi et al.'s Theorem 1 with C = ${C}: at step t the loss is ` +
      `fₜ(x) = ${C}·x when t mod 3 = 1 and −x otherwise, and x is projected onto [−1, 1] after each ` +
      `step. The best fixed point is x = −1. The learning rate is ${ALPHA}/√t, β1 = 0 and ` +
      `β2 = 1/(1 + C²) = ${formatNumber(THEOREM_BETAS[1])}; x starts at 0. The problem has no ` +
      `randomness, so the seed (${seed}) does not change it.`,
    rule:
      "Adam:    v ← β2·v + (1 − β2)·g²          x ← x − η·m̂ / (√v̂ + ε)\n" +
      "AMSGrad: vMax ← max(vMax, v)            x ← x − η·m̂ / (√(vMax / c2) + ε)\n" +
      "then x ← min(1, max(−1, x))",
    settings: { steps, C, "base learning rate α": ALPHA, betas: THEOREM_BETAS.map((b) => formatNumber(b)).join(", ") },
    tables: [
      {
        rowHeading: "optimizer",
        columns: [
          { key: "finalX", label: "final x" },
          { key: "averageRegret", label: "average regret" },
        ],
        rows: runs.map(({ variant, run }) => ({
          label: variant.label,
          values: { finalX: run.finalX, averageRegret: run.averageRegret },
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
        id: "amsgrad-x",
        title: "Where x goes",
        description: "The iterate x after each step; the optimum is x = −1.",
        xTitle: "step",
        xWhole: true,
        yTitle: "x",
        yDomain: [-1.05, 1.05],
        series: runs.map(({ variant, run }) => ({
          label: variant.label,
          dashed: variant.label.includes("default"),
          points: run.trace.map((e) => [e.step, e.x] as const),
        })),
        rules: [{ y: -1, label: "optimum" }],
      }),
      lineChart({
        id: "amsgrad-regret",
        title: "Average regret",
        description:
          "Total loss paid so far minus the best fixed point's, divided by the steps taken; " +
          "an optimizer that converges drives it to 0. Both axes on a log scale.",
        xTitle: "step",
        xWhole: true,
        yTitle: "average regret Rₜ / t",
        xScale: "log",
        yScale: "log",
        series: runs.map(({ variant, run }) => ({
          label: variant.label,
          dashed: variant.label.includes("default"),
          points: run.trace.map((e) => [e.step, e.averageRegret] as const),
        })),
      }),
    ],
  };
}

export const amsgradExperiment: Experiment = {
  id: "amsgrad",
  sections: ["amsgrad"],
  needs: "core",
  run: runAmsgradScene,
};
