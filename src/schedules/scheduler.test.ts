import { afterEach, describe, expect, it, vi } from "vitest";
import { Adam, Parameter, SGD, StateDictError } from "../core/index.js";
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
} from "./index.js";

function sgd(lrs: number[] = [0.1], momentum = 0): SGD {
  const groups = lrs.map((lr) => ({ params: [new Parameter(new Float64Array([1, -1]))], lr }));
  return new SGD(groups, { lr: lrs[0], momentum });
}

function adam(): Adam {
  return new Adam([new Parameter(new Float64Array([1]))], { lr: 0.1, betas: [0.9, 0.999] });
}

const quiet = { onWarning: () => {} };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("step-order warning", () => {
  it("is sent once when the scheduler steps first", () => {
    const opt = sgd();
    const warnings: string[] = [];
    const sched = new StepLR(opt, { stepSize: 2, onWarning: (m) => warnings.push(m) });
    sched.step();
    sched.step();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^StepLR\.step\(\) was called before the optimizer took a step\. Call optimizer\.step\(\) first/);
  });

  it("is not sent when the optimizer steps first", () => {
    const opt = sgd();
    const onWarning = vi.fn();
    const sched = new CosineAnnealingLR(opt, { tMax: 4, onWarning });
    for (let k = 0; k < 3; k++) {
      opt.step();
      sched.step();
    }
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("counts steps the optimizer skipped for a non-finite gradient", () => {
    const w = new Parameter(new Float64Array([1]));
    const opt = new SGD([w], { lr: 0.1, skipNonFinite: true, onWarning: () => {} });
    const onWarning = vi.fn();
    const sched = new ExponentialLR(opt, { gamma: 0.5, onWarning });
    (w.grad as Float64Array)[0] = NaN;
    opt.step();
    sched.step();
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("comes from the wrapper only, not from the inner schedulers", () => {
    const opt = sgd();
    const inner = vi.fn();
    const outer = vi.fn();
    const warmup = new LinearLR(opt, { totalIters: 2, onWarning: inner });
    const decay = new ExponentialLR(opt, { gamma: 0.9, onWarning: inner });
    const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [2], onWarning: outer });
    sched.step();
    sched.step();
    sched.step();
    expect(outer).toHaveBeenCalledTimes(1);
    expect(outer.mock.calls[0][0]).toMatch(/^SequentialLR\.step\(\) was called before/);
    expect(inner).not.toHaveBeenCalled();
  });

  it("comes from ReduceLROnPlateau too", () => {
    const onWarning = vi.fn();
    new ReduceLROnPlateau(sgd(), { onWarning }).step(1);
    expect(onWarning).toHaveBeenCalledTimes(1);
  });

  it("is not sent after a state was loaded", () => {
    const opt = sgd();
    const first = new StepLR(opt, { stepSize: 2, ...quiet });
    opt.step();
    first.step();
    const onWarning = vi.fn();
    const resumed = new StepLR(sgd(), { stepSize: 2, onWarning });
    resumed.loadStateDict(first.stateDict());
    resumed.step();
    expect(onWarning).not.toHaveBeenCalled();
  });

  it("goes to console.warn by default", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    new ConstantLR(sgd()).step();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/ConstantLR\.step\(\) was called before/);
  });
});

describe("base learning rate", () => {
  it("is the lr when the first scheduler was attached", () => {
    const opt = sgd([0.1]);
    new ConstantLR(opt, { factor: 0.5, totalIters: 2, ...quiet });
    expect(opt.paramGroups[0].initialLr).toBe(0.1);
    const second = new CosineAnnealingLR(opt, { tMax: 2, ...quiet });
    expect(opt.paramGroups[0].initialLr).toBe(0.1);
    expect(second.getLastLr()).toEqual([0.05]);
  });

  it("is rejected when initialLr is not a number", () => {
    const opt = sgd();
    opt.paramGroups[0].initialLr = "0.1";
    expect(() => new StepLR(opt, { stepSize: 1 })).toThrow(/StepLR: parameter group 0 has initialLr "0\.1", which must be a number >= 0/);
    expect(opt.paramGroups[0].lr).toBe(0.1);
  });
});

describe("groups added after construction", () => {
  it("make step() throw before anything changes", () => {
    const opt = sgd();
    const sched = new ExponentialLR(opt, { gamma: 0.5, ...quiet });
    opt.addParamGroup({ params: [new Parameter(new Float64Array([0]))], lr: 0.2 });
    expect(() => sched.step()).toThrow(/ExponentialLR\.step: the optimizer has 2 parameter groups but the scheduler was built for 1\. Build the scheduler after adding every parameter group\./);
    expect(sched.lastEpoch).toBe(0);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });
});

describe("state dicts", () => {
  it("survive a JSON round trip unchanged", () => {
    const opt = sgd();
    const sched = new CosineAnnealingWarmRestarts(opt, { t0: 3, tMult: 2, ...quiet });
    for (let k = 0; k < 4; k++) {
      opt.step();
      sched.step();
    }
    const saved = sched.stateDict();
    expect(JSON.parse(JSON.stringify(saved))).toEqual(saved);
    expect(saved).toMatchObject({ format: "descent-scheduler", version: 1, scheduler: "CosineAnnealingWarmRestarts", lastEpoch: 4 });
    expect(saved.state).toEqual({ baseLrs: [0.1], tCur: 1, tI: 6 });
  });

  it("write ReduceLROnPlateau's infinite best as a string", () => {
    const sched = new ReduceLROnPlateau(sgd(), { mode: "max", ...quiet });
    expect(sched.stateDict().state.best).toBe("-Infinity");
    const copy = new ReduceLROnPlateau(sgd(), { mode: "max", ...quiet });
    copy.loadStateDict(JSON.parse(JSON.stringify(sched.stateDict())));
    expect(copy.best).toBe(-Infinity);
  });

  it("carry options, as PyTorch's load_state_dict does", () => {
    const saved = new StepLR(sgd(), { stepSize: 2, gamma: 0.5, ...quiet }).stateDict();
    const opt = sgd();
    const other = new StepLR(opt, { stepSize: 7, ...quiet });
    other.loadStateDict(saved);
    opt.step();
    other.step();
    opt.step();
    other.step();
    expect(other.getLastLr()).toEqual([0.05]);
  });

  it("from another scheduler class are rejected", () => {
    const saved = new StepLR(sgd(), { stepSize: 2, ...quiet }).stateDict();
    const sched = new ExponentialLR(sgd(), { gamma: 0.5, ...quiet });
    expect(() => sched.loadStateDict(saved)).toThrow(StateDictError);
    expect(() => sched.loadStateDict(saved)).toThrow(
      /ExponentialLR\.loadStateDict: the state dict was saved by "StepLR" but this scheduler is ExponentialLR\. Load it into a StepLR built on the same optimizer/,
    );
  });

  it("from an optimizer are rejected", () => {
    const opt = sgd();
    const sched = new StepLR(opt, { stepSize: 2, ...quiet });
    expect(() => sched.loadStateDict(opt.stateDict() as never)).toThrow(/expected format "descent-scheduler" version 1, got "descent-optimizer" version 1/);
  });

  it("for another number of groups are rejected", () => {
    const saved = new StepLR(sgd([0.1, 0.2]), { stepSize: 2, ...quiet }).stateDict();
    const sched = new StepLR(sgd(), { stepSize: 2, ...quiet });
    expect(() => sched.loadStateDict(saved)).toThrow(/lastLr must be an array of 1 numbers \(one per parameter group\), got \[0\.1, 0\.2\]/);
  });

  it("with invalid options are rejected and change nothing", () => {
    const opt = sgd();
    const sched = new StepLR(opt, { stepSize: 2, ...quiet });
    opt.step();
    sched.step();
    const saved = { ...sched.stateDict(), lastEpoch: 9, options: { stepSize: 0, gamma: 0.1 } };
    expect(() => sched.loadStateDict(saved)).toThrow(/StepLR\.loadStateDict: its options are invalid: StepLR: stepSize must be an integer >= 1, got 0/);
    expect(sched.lastEpoch).toBe(1);
    expect(sched.stateDict().options).toEqual({ stepSize: 2, gamma: 0.1 });
  });

  it("with a bad counter are rejected", () => {
    const sched = new CosineAnnealingWarmRestarts(sgd(), { t0: 3, ...quiet });
    const saved = sched.stateDict();
    expect(() => sched.loadStateDict({ ...saved, state: { ...saved.state, tCur: 5 } })).toThrow(/state tCur is 5, which is not valid here/);
    expect(() => sched.loadStateDict({ ...saved, lastEpoch: 1.5 })).toThrow(/lastEpoch must be an integer in \[-1, 9007199254740991\], got 1\.5/);
  });

  it("with a counter beyond 2^53 - 1 are rejected and change nothing", () => {
    const sched = new CosineAnnealingWarmRestarts(sgd(), { t0: 3, ...quiet });
    const saved = sched.stateDict();
    const before = JSON.stringify(saved);
    expect(() => sched.loadStateDict({ ...saved, lastEpoch: 1e300 })).toThrow(
      /CosineAnnealingWarmRestarts\.loadStateDict: lastEpoch must be an integer in \[-1, 9007199254740991\], got 1e\+300\. Pass what stateDict\(\) returned$/,
    );
    const huge = { ...saved.state, tI: 2 ** 60, tCur: 2 ** 53 };
    expect(() => sched.loadStateDict({ ...saved, state: huge })).toThrow(/state tI is 1152921504606847000, which is not valid here/);
    const plateau = new ReduceLROnPlateau(sgd(), quiet);
    const counters = { ...plateau.stateDict().state, numBadEpochs: 2 ** 53 };
    expect(() => plateau.loadStateDict({ ...plateau.stateDict(), state: counters })).toThrow(
      /state numBadEpochs is 9007199254740992, which is not valid here/,
    );
    expect(JSON.stringify(sched.stateDict())).toBe(before);
  });

  it("with a negative learning rate are rejected and change nothing", () => {
    const opt = sgd();
    const sched = new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, cycleMomentum: false, ...quiet });
    const before = JSON.stringify(sched.stateDict());
    const saved = sched.stateDict();
    expect(() => sched.loadStateDict({ ...saved, state: { baseLrs: [-1] } })).toThrow(/state baseLrs\[0\] is -1, which is not valid here/);
    expect(() => sched.loadStateDict({ ...saved, lastLr: [-0.5] })).toThrow(/state lastLr\[0\] is -0\.5, which is not valid here/);
    expect(JSON.stringify(sched.stateDict())).toBe(before);
  });

  it("of a wrapper need one inner state per scheduler", () => {
    const opt = sgd();
    const chain = new ChainedScheduler(opt, { schedulers: [new ConstantLR(opt), new ExponentialLR(opt, { gamma: 0.9 })], ...quiet });
    const saved = chain.stateDict();
    expect(saved.schedulers).toHaveLength(2);
    expect(() => chain.loadStateDict({ ...saved, schedulers: saved.schedulers?.slice(0, 1) })).toThrow(
      /the state dict holds \[.*\] inner states but this wrapper has 2 schedulers/,
    );
    const wrongInner = { ...saved, schedulers: [saved.schedulers?.[1], saved.schedulers?.[0]] } as typeof saved;
    expect(() => chain.loadStateDict(wrongInner)).toThrow(/ChainedScheduler\.loadStateDict schedulers\[0\]: the state dict was saved by "ExponentialLR" but this scheduler is ConstantLR/);
  });

  it("of OneCycleLR need the optimizer's state loaded first", () => {
    const saved = new OneCycleLR(sgd([0.1], 0.9), { maxLr: 0.1, totalSteps: 10, ...quiet }).stateDict();
    const fresh = sgd([0.1], 0.9);
    const sched = new OneCycleLR(fresh, { maxLr: 0.1, totalSteps: 10, ...quiet });
    delete fresh.paramGroups[0].maxLr;
    expect(() => sched.loadStateDict(saved)).toThrow(/parameter group 0 of the optimizer has no maxLr, which OneCycleLR keeps there\. Load the optimizer's state/);
  });
});

describe("LambdaLR", () => {
  it("multiplies each group's base lr by its own function", () => {
    const opt = sgd([0.1, 1]);
    const sched = new LambdaLR(opt, { lrLambda: [(k) => 0.5 ** k, (k) => k + 1], ...quiet });
    expect(sched.getLastLr()).toEqual([0.1, 1]);
    opt.step();
    sched.step();
    expect(sched.getLastLr()).toEqual([0.05, 2]);
  });

  it("keeps k and the lr when the function fails", () => {
    const opt = sgd();
    const sched = new LambdaLR(opt, { lrLambda: (k) => (k === 2 ? NaN : 1), ...quiet });
    opt.step();
    sched.step();
    expect(() => sched.step()).toThrow(/lrLambda\(2\) returned NaN for parameter group 0/);
    expect(sched.lastEpoch).toBe(1);
    expect(opt.paramGroups[0].lr).toBe(0.1);
  });
});

describe("CyclicLR", () => {
  it("cycles SGD's momentum inversely to the lr", () => {
    const opt = sgd([0.5], 0.5);
    const sched = new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2, ...quiet });
    // With up = down = 2 the scale goes 0, 0.5, 1, 0.5, 0.
    const lrs = [0.01, 0.055, 0.1, 0.055, 0.01];
    const momenta = [0.9, 0.85, 0.8, 0.85, 0.9];
    for (let k = 0; k <= 4; k++) {
      if (k > 0) {
        opt.step();
        sched.step();
      }
      expect(opt.paramGroups[0].lr).toBeCloseTo(lrs[k], 15);
      expect(opt.paramGroups[0].momentum).toBeCloseTo(momenta[k], 15);
    }
  });

  it("scales the amplitude by γ^k in exp_range mode", () => {
    const opt = sgd();
    const sched = new CyclicLR(opt, { baseLr: 0, maxLr: 1, stepSizeUp: 1, mode: "exp_range", gamma: 0.5, cycleMomentum: false, ...quiet });
    const lrs = [0];
    for (let k = 1; k <= 3; k++) {
      opt.step();
      sched.step();
      lrs.push(sched.getLastLr()[0]);
    }
    // Peaks at odd k (scale 1): 0.5^1 and 0.5^3.
    expect(lrs).toEqual([0, 0.5, 0, 0.125]);
  });

  it("passes the cycle number or k to scaleFn", () => {
    const seen: number[] = [];
    const opt = sgd();
    const options = { baseLr: 0, maxLr: 1, stepSizeUp: 1, cycleMomentum: false, ...quiet };
    const byCycle = new CyclicLR(opt, { ...options, scaleFn: (x) => (seen.push(x), 1) });
    opt.step();
    byCycle.step();
    opt.step();
    byCycle.step();
    expect(seen).toEqual([1, 1, 2]);
    seen.length = 0;
    const byStep = new CyclicLR(sgd(), { ...options, scaleMode: "iterations", scaleFn: (x) => (seen.push(x), 1) });
    byStep.step();
    expect(seen).toEqual([0, 1]);
  });

  it("keeps k when scaleFn returns a non-number", () => {
    const opt = sgd();
    const sched = new CyclicLR(opt, { baseLr: 0, maxLr: 1, stepSizeUp: 2, cycleMomentum: false, scaleFn: (x) => (x > 1 ? Infinity : 1), ...quiet });
    opt.step();
    sched.step();
    opt.step();
    sched.step();
    opt.step();
    sched.step();
    expect(() => sched.step()).toThrow(/CyclicLR: scaleFn\(2\) returned Infinity; it must return a finite number/);
    expect(sched.lastEpoch).toBe(3);
  });
});

describe("OneCycleLR", () => {
  it("cycles β1 of Adam's betas and keeps β2", () => {
    const opt = adam();
    const sched = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.3, ...quiet });
    // Phase 1 ends at step 0.3·10 − 1 = 2, so k = 1 is halfway up.
    expect(opt.paramGroups[0].betas).toEqual([0.95, 0.999]);
    opt.step();
    sched.step();
    expect(opt.paramGroups[0].betas[0]).toBeCloseTo(0.9, 15);
    expect(opt.paramGroups[0].betas[1]).toBe(0.999);
    expect(sched.getLastLr()[0]).toBeCloseTo((0.04 + 1) / 2, 15);
    opt.step();
    sched.step();
    expect(opt.paramGroups[0].betas[0]).toBeCloseTo(0.85, 15);
    expect(sched.getLastLr()[0]).toBeCloseTo(1, 15);
  });

  it("stores its bounds in the optimizer's groups", () => {
    const opt = sgd([0.3], 0.9);
    new OneCycleLR(opt, { maxLr: 0.5, totalSteps: 10, divFactor: 10, finalDivFactor: 100, ...quiet });
    expect(opt.paramGroups[0]).toMatchObject({ initialLr: 0.05, maxLr: 0.5, minLr: 0.0005, maxMomentum: 0.95, baseMomentum: 0.85 });
  });

  it("goes back down to the starting lr in the three-phase form", () => {
    const opt = sgd();
    const sched = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.3, threePhase: true, annealStrategy: "linear", cycleMomentum: false, ...quiet });
    const lrs = [sched.getLastLr()[0]];
    for (let k = 1; k <= 10; k++) {
      opt.step();
      sched.step();
      lrs.push(sched.getLastLr()[0]);
    }
    // Phases end at steps 2 (up), 4 (down to 0.04) and 9 (down to 4e-6).
    expect(lrs[2]).toBeCloseTo(1, 15);
    expect(lrs[4]).toBeCloseTo(0.04, 15);
    expect(lrs[9]).toBeCloseTo(4e-6, 15);
  });

  it("takes epochs·stepsPerEpoch as the cycle length", () => {
    const opt = sgd();
    const sched = new OneCycleLR(opt, { maxLr: 1, epochs: 2, stepsPerEpoch: 3, cycleMomentum: false, ...quiet });
    for (let k = 0; k < 6; k++) {
      opt.step();
      sched.step();
    }
    expect(() => sched.step()).toThrow(/OneCycleLR\.step: the cycle has 6 steps \(totalSteps\) and all of them were taken/);
  });

  it("refuses a step past the end inside a ChainedScheduler without changing anything", () => {
    const opt = sgd();
    const decay = new ExponentialLR(opt, { gamma: 0.5 });
    const cycle = new OneCycleLR(opt, { maxLr: 1, totalSteps: 2, pctStart: 0.75, cycleMomentum: false });
    const chain = new ChainedScheduler(opt, { schedulers: [decay, cycle], ...quiet });
    chain.step();
    chain.step();
    const lr = opt.paramGroups[0].lr;
    expect(() => chain.step()).toThrow(RangeError);
    expect(opt.paramGroups[0].lr).toBe(lr);
    expect(decay.lastEpoch).toBe(2);
  });
});

describe("CosineAnnealingWarmRestarts", () => {
  it("restarts after t0, then after periods growing by tMult", () => {
    const opt = sgd([1]);
    const sched = new CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 2, ...quiet });
    const restarts: number[] = [];
    for (let k = 1; k <= 14; k++) {
      opt.step();
      sched.step();
      if (sched.getLastLr()[0] === 1) restarts.push(k);
    }
    expect(restarts).toEqual([2, 6, 14]);
  });
});

describe("ReduceLROnPlateau", () => {
  it("treats a NaN metric as no improvement", () => {
    const opt = sgd();
    const sched = new ReduceLROnPlateau(opt, { patience: 0, ...quiet });
    sched.step(1);
    sched.step(NaN);
    expect(sched.numBadEpochs).toBe(0);
    expect(sched.getLastLr()[0]).toBeCloseTo(0.01, 15);
    expect(sched.best).toBe(1);
  });

  it("uses a single minLr for every group", () => {
    const opt = sgd([0.1, 0.01]);
    const sched = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, minLr: 0.02, ...quiet });
    sched.step(1);
    sched.step(2);
    expect(sched.getLastLr()).toEqual([0.05, 0.01]);
  });
});

describe("SequentialLR", () => {
  it("restarts each scheduler from the base lr at its milestone", () => {
    const opt = sgd([1]);
    const first = new ExponentialLR(opt, { gamma: 0.5 });
    const second = new StepLR(opt, { stepSize: 2, gamma: 0.1 });
    const sched = new SequentialLR(opt, { schedulers: [first, second], milestones: [3], ...quiet });
    const lrs = [sched.getLastLr()[0]];
    for (let k = 1; k <= 6; k++) {
      opt.step();
      sched.step();
      lrs.push(sched.getLastLr()[0]);
    }
    expect(lrs.map((lr) => Number(lr.toPrecision(12)))).toEqual([1, 0.5, 0.25, 1, 1, 0.1, 0.1]);
    expect(second.lastEpoch).toBe(3);
  });

  it("puts the lrs back when the first scheduler fails at step 0", () => {
    const opt = sgd([0.1]);
    let fail = false;
    const lambda = new LambdaLR(opt, { lrLambda: () => (fail ? -1 : 0.5) });
    fail = true;
    expect(() => new SequentialLR(opt, { schedulers: [lambda], milestones: [] })).toThrow(RangeError);
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.05, 15);
  });
});
