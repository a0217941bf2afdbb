import { describe, expect, it } from "vitest";
import { Parameter, SGD } from "../src/core/index.js";
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LinearLR,
  LRScheduler,
  MultiStepLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
} from "../src/schedules/index.js";
import { closeTo, loadReference } from "./helpers/reference.js";

/** The comparison rule of the reference data. */
const TOLERANCE = 1e-10;

interface InnerSpec {
  scheduler: string;
  options: Record<string, unknown>;
}

interface ScheduleCase {
  name: string;
  scheduler: string;
  description: string;
  options: Record<string, unknown>;
  optimizer: { algorithm: "sgd"; momentum: number; groups: { lr: number }[] };
  steps: number;
  metrics?: number[];
  resumeAfter?: number;
  expected: number[][];
}

type Scheduler = LRScheduler | ReduceLROnPlateau | SequentialLR | ChainedScheduler;
type Options = never;

const CHAINABLE: Record<string, new (opt: SGD, options: Options) => LRScheduler> = {
  StepLR,
  MultiStepLR,
  ConstantLR,
  LinearLR,
  ExponentialLR,
  PolynomialLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  OneCycleLR,
};

function buildOptimizer(c: ScheduleCase): SGD {
  const groups = c.optimizer.groups.map((group) => ({
    params: [new Parameter(new Float64Array([1, -1]))],
    lr: group.lr,
  }));
  return new SGD(groups, { lr: c.optimizer.groups[0].lr, momentum: c.optimizer.momentum });
}

function buildScheduler(c: ScheduleCase, opt: SGD): Scheduler {
  const onWarning = () => {};
  if (c.scheduler === "ReduceLROnPlateau") {
    return new ReduceLROnPlateau(opt, { ...c.options, onWarning } as Options);
  }
  if (c.scheduler === "SequentialLR" || c.scheduler === "ChainedScheduler") {
    const inner = (c.options.schedulers as InnerSpec[]).map(
      (spec) => new CHAINABLE[spec.scheduler](opt, spec.options as Options),
    );
    return c.scheduler === "SequentialLR"
      ? new SequentialLR(opt, { schedulers: inner, milestones: c.options.milestones as number[], onWarning })
      : new ChainedScheduler(opt, { schedulers: inner, onWarning });
  }
  return new CHAINABLE[c.scheduler](opt, { ...c.options, onWarning } as Options);
}

function stepBoth(c: ScheduleCase, opt: SGD, sched: Scheduler, k: number): void {
  opt.step();
  if (sched instanceof ReduceLROnPlateau) sched.step((c.metrics as number[])[k - 1]);
  else sched.step();
}

/** Returns a description of the first learning rate off the reference, or "" when all match. */
function compareRow(opt: SGD, sched: Scheduler, expected: number[], k: number): string {
  const last = sched.getLastLr();
  for (let g = 0; g < expected.length; g++) {
    const lr = opt.paramGroups[g].lr;
    if (!closeTo(lr, expected[g], TOLERANCE)) {
      return `after ${k} steps, group ${g}: lr ${lr}, expected ${expected[g]}`;
    }
    if (last[g] !== lr) return `after ${k} steps, group ${g}: getLastLr() ${last[g]} but the group's lr is ${lr}`;
  }
  return "";
}

/** Runs a case, saving and reloading both states after `resumeAfter` steps when given. */
function runCase(c: ScheduleCase, resumeAfter?: number): string {
  let opt = buildOptimizer(c);
  let sched = buildScheduler(c, opt);
  let problem = compareRow(opt, sched, c.expected[0], 0);
  for (let k = 1; k <= c.steps && problem === ""; k++) {
    stepBoth(c, opt, sched, k);
    problem = compareRow(opt, sched, c.expected[k], k);
    if (k !== resumeAfter || problem !== "") continue;

    const savedOptimizer = JSON.parse(JSON.stringify(opt.stateDict()));
    const savedScheduler = JSON.parse(JSON.stringify(sched.stateDict()));
    opt = buildOptimizer(c);
    sched = buildScheduler(c, opt);
    opt.loadStateDict(savedOptimizer);
    sched.loadStateDict(savedScheduler);
    problem = compareRow(opt, sched, c.expected[k], k);
    if (problem !== "") problem = `right after resuming: ${problem}`;
  }
  return problem;
}

const file = loadReference<{ family: string; cases: ScheduleCase[] }>("schedules.json");

describe("schedule reference vectors", () => {
  it("cover every scheduler class", () => {
    const classes = new Set(file.cases.map((c) => c.scheduler));
    expect([...classes].sort()).toEqual(
      [...Object.keys(CHAINABLE), "ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"].sort(),
    );
  });

  for (const c of file.cases) {
    it(`${c.name} matches`, () => {
      expect(c.expected).toHaveLength(c.steps + 1);
      expect(runCase(c, c.resumeAfter)).toBe("");
    });
  }

  // Every case again, saved and reloaded halfway: the reference numbers of the
  // uninterrupted run must still come out.
  for (const c of file.cases) {
    const halfway = Math.floor(c.steps / 2);
    it(`${c.name} resumes after ${halfway} steps`, () => {
      expect(runCase(c, halfway)).toBe("");
    });
  }
});
