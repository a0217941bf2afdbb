/**
 * Draws the learning-rate curve of every scheduler as an SVG, with the
 * report's chart code, for the plots that the schedulers' TSDoc links.
 *
 * Usage:
 *   npx tsx scripts/schedule-plots.ts [--out DIR]
 *
 * Default out: docs/schedules. Each file is named after its class, e.g.
 * docs/schedules/CosineAnnealingLR.svg. Every schedule starts from an SGD
 * optimizer with lr 0.1 (momentum 0.9, which the cyclic schedules cycle).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { Parameter, SGD } from "../src/core/index.js";
import { renderLrSchedule } from "../src/report/charts.js";
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
} from "../src/schedules/index.js";

const STEPS = 100;

interface Plot {
  name: string;
  title: string;
  /** Builds the scheduler and returns how to take one step. */
  build: (opt: SGD) => { step: (k: number) => void; getLastLr: () => number[] };
}

/** Returns a validation loss at step k that falls, stalls, falls again and stalls, for ReduceLROnPlateau. */
function plateauLoss(k: number): number {
  if (k < 20) return 1 - 0.02 * k;
  if (k < 50) return 0.6;
  if (k < 60) return 0.6 - 0.02 * (k - 50);
  return 0.4;
}

const PLOTS: Plot[] = [
  { name: "StepLR", title: "StepLR (stepSize 30, gamma 0.1)", build: (opt) => new StepLR(opt, { stepSize: 30 }) },
  { name: "MultiStepLR", title: "MultiStepLR (milestones [30, 80], gamma 0.1)", build: (opt) => new MultiStepLR(opt, { milestones: [30, 80] }) },
  { name: "ConstantLR", title: "ConstantLR (factor 1/3, totalIters 20)", build: (opt) => new ConstantLR(opt, { totalIters: 20 }) },
  { name: "LinearLR", title: "LinearLR (startFactor 0.1, totalIters 20)", build: (opt) => new LinearLR(opt, { startFactor: 0.1, totalIters: 20 }) },
  { name: "ExponentialLR", title: "ExponentialLR (gamma 0.95)", build: (opt) => new ExponentialLR(opt, { gamma: 0.95 }) },
  { name: "PolynomialLR", title: "PolynomialLR (totalIters 80, power 2)", build: (opt) => new PolynomialLR(opt, { totalIters: 80, power: 2 }) },
  { name: "CosineAnnealingLR", title: "CosineAnnealingLR (tMax 40, etaMin 0.01)", build: (opt) => new CosineAnnealingLR(opt, { tMax: 40, etaMin: 0.01 }) },
  { name: "CosineAnnealingWarmRestarts", title: "CosineAnnealingWarmRestarts (t0 10, tMult 2)", build: (opt) => new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 }) },
  { name: "CyclicLR", title: "CyclicLR (triangular2, baseLr 0.01, maxLr 0.1, stepSizeUp 10)", build: (opt) => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10, mode: "triangular2" }) },
  { name: "OneCycleLR", title: "OneCycleLR (maxLr 0.1, totalSteps 100)", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: STEPS }) },
  { name: "LambdaLR", title: "LambdaLR (λ(k) = 1 / (1 + k/10))", build: (opt) => new LambdaLR(opt, { lrLambda: (k) => 1 / (1 + k / 10) }) },
  {
    name: "ReduceLROnPlateau",
    title: "ReduceLROnPlateau (patience 10, factor 0.5) on a stalling loss",
    build: (opt) => {
      const sched = new ReduceLROnPlateau(opt, { patience: 10, factor: 0.5 });
      return { step: (k) => sched.step(plateauLoss(k)), getLastLr: () => sched.getLastLr() };
    },
  },
  {
    name: "SequentialLR",
    title: "SequentialLR: LinearLR warmup for 10 steps, then CosineAnnealingLR",
    build: (opt) => {
      const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
      const cosine = new CosineAnnealingLR(opt, { tMax: STEPS - 10 });
      return new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [10] });
    },
  },
  {
    name: "ChainedScheduler",
    title: "ChainedScheduler: ConstantLR (factor 0.5, 20 steps) with ExponentialLR (0.97)",
    build: (opt) => {
      const constant = new ConstantLR(opt, { factor: 0.5, totalIters: 20 });
      const decay = new ExponentialLR(opt, { gamma: 0.97 });
      return new ChainedScheduler(opt, { schedulers: [constant, decay] });
    },
  },
];

/** Returns each step's learning rates, from construction to the last step. */
function trace(plot: Plot): number[][] {
  const opt = new SGD([new Parameter(new Float64Array([1]))], { lr: 0.1, momentum: 0.9 });
  const sched = plot.build(opt);
  const values = [sched.getLastLr()];
  for (let k = 1; k <= STEPS; k++) {
    opt.step();
    sched.step(k);
    values.push(sched.getLastLr());
  }
  return values;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string", default: "docs/schedules" } } });
  const out = values.out as string;
  mkdirSync(out, { recursive: true });
  for (const plot of PLOTS) {
    const { svg } = await renderLrSchedule(trace(plot), plot.title);
    const file = join(out, `${plot.name}.svg`);
    writeFileSync(file, svg);
    console.log(`wrote ${file}`);
  }
}

await main();
