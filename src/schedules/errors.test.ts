import { describe, expect, it } from "vitest";
import { Adagrad, Adam, Parameter, SGD } from "../core/index.js";
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
} from "./index.js";

type AnyOptimizer = SGD | Adam | Adagrad;

interface ErrorCase {
  name: string;
  build: (opt: AnyOptimizer) => unknown;
  error: typeof TypeError | typeof RangeError;
  message: RegExp;
  optimizer?: () => AnyOptimizer;
}

function sgd(groups = 1): SGD {
  const params = Array.from({ length: groups }, () => ({ params: [new Parameter(new Float64Array([1]))] }));
  return new SGD(params, { lr: 0.1, momentum: 0.9 });
}

const quiet = { onWarning: () => {} };

/* eslint-disable @typescript-eslint/no-explicit-any */
const CASES: ErrorCase[] = [
  // Shared by every scheduler: the optimizer, the options object and the handler.
  { name: "StepLR without an optimizer", build: () => new StepLR({} as any, { stepSize: 1 }), error: TypeError, message: /StepLR: optimizer must be a descent Optimizer such as SGD or Adam, got an object \(Object\)\. Build the optimizer first/ },
  { name: "StepLR with options that are not an object", build: (opt) => new StepLR(opt, 3 as any), error: TypeError, message: /StepLR: options must be an object, got 3/ },
  { name: "StepLR with a non-function onWarning", build: (opt) => new StepLR(opt, { stepSize: 1, onWarning: "log" as any }), error: TypeError, message: /onWarning must be a function/ },
  { name: "StepLR with a PyTorch option name", build: (opt) => new StepLR(opt, { step_size: 3 } as any), error: TypeError, message: /StepLR: unknown option "step_size"\. Use stepSize instead/ },
  { name: "StepLR with lastEpoch", build: (opt) => new StepLR(opt, { stepSize: 3, lastEpoch: 4 } as any), error: TypeError, message: /lastEpoch is not supported; to resume a run, load the optimizer's and the scheduler's stateDict\(\)/ },
  { name: "StepLR with verbose", build: (opt) => new StepLR(opt, { stepSize: 3, verbose: true } as any), error: TypeError, message: /verbose is not supported; read getLastLr\(\)/ },
  { name: "StepLR with an unknown option", build: (opt) => new StepLR(opt, { stepSize: 3, bogus: 1 } as any), error: TypeError, message: /unknown option "bogus"\. Valid options: stepSize, gamma\./ },
  { name: "StepLR with a constructor option", build: (opt) => new StepLR(opt, { stepSize: 3, constructor: 1 } as any), error: TypeError, message: /unknown option "constructor"\. Valid options: stepSize, gamma\./ },
  { name: "StepLR with an own __proto__ option", build: (opt) => new StepLR(opt, JSON.parse('{ "stepSize": 3, "__proto__": { "gamma": 5 } }')), error: TypeError, message: /unknown option "__proto__"\. Valid options: stepSize, gamma\./ },

  { name: "StepLR without stepSize", build: (opt) => new StepLR(opt, {} as any), error: TypeError, message: /StepLR: option stepSize is required and must be an integer >= 1\. Try stepSize: 30\./ },
  { name: "StepLR with stepSize 0", build: (opt) => new StepLR(opt, { stepSize: 0 }), error: RangeError, message: /StepLR: stepSize must be an integer >= 1, got 0\. Try stepSize: 30\./ },
  { name: "StepLR with a fractional stepSize", build: (opt) => new StepLR(opt, { stepSize: 2.5 }), error: RangeError, message: /stepSize must be an integer >= 1, got 2\.5/ },
  { name: "StepLR with a negative gamma", build: (opt) => new StepLR(opt, { stepSize: 2, gamma: -0.1 }), error: RangeError, message: /StepLR: gamma must be a number >= 0, got -0\.1\. Try gamma: 0\.1\./ },
  { name: "StepLR with a string gamma", build: (opt) => new StepLR(opt, { stepSize: 2, gamma: "0.1" as any }), error: TypeError, message: /gamma must be a number >= 0, got "0\.1"/ },

  { name: "MultiStepLR without milestones", build: (opt) => new MultiStepLR(opt, {} as any), error: TypeError, message: /MultiStepLR: option milestones is required and must be an array of integers >= 0\. Try milestones: \[30, 80\]\./ },
  { name: "MultiStepLR with a number for milestones", build: (opt) => new MultiStepLR(opt, { milestones: 30 as any }), error: TypeError, message: /milestones must be an array of integers >= 0, got 30/ },
  { name: "MultiStepLR with a negative milestone", build: (opt) => new MultiStepLR(opt, { milestones: [3, -1] }), error: RangeError, message: /milestones must be an array of integers >= 0, got \[3, -1\] \(entry 1 is -1\)/ },
  { name: "MultiStepLR with a fractional milestone", build: (opt) => new MultiStepLR(opt, { milestones: [1.5] }), error: RangeError, message: /entry 0 is 1\.5/ },

  { name: "ConstantLR with factor 0", build: (opt) => new ConstantLR(opt, { factor: 0 }), error: RangeError, message: /ConstantLR: factor must be a number in \(0, 1\], got 0\. Try factor: 0\.3333/ },
  { name: "ConstantLR with factor above 1", build: (opt) => new ConstantLR(opt, { factor: 1.5 }), error: RangeError, message: /factor must be a number in \(0, 1\], got 1\.5/ },
  { name: "ConstantLR with totalIters 0", build: (opt) => new ConstantLR(opt, { totalIters: 0 }), error: RangeError, message: /ConstantLR: totalIters must be an integer >= 1, got 0\. Try totalIters: 5\./ },

  { name: "LinearLR with startFactor 0", build: (opt) => new LinearLR(opt, { startFactor: 0 }), error: RangeError, message: /LinearLR: startFactor must be a number in \(0, 1\], got 0/ },
  { name: "LinearLR with endFactor above 1", build: (opt) => new LinearLR(opt, { endFactor: 2 }), error: RangeError, message: /LinearLR: endFactor must be a number in \[0, 1\], got 2\. Try endFactor: 1\./ },
  { name: "LinearLR with a PyTorch option name", build: (opt) => new LinearLR(opt, { total_iters: 5 } as any), error: TypeError, message: /unknown option "total_iters"\. Use totalIters instead/ },

  { name: "ExponentialLR without gamma", build: (opt) => new ExponentialLR(opt, {} as any), error: TypeError, message: /ExponentialLR: option gamma is required and must be a number >= 0\. Try gamma: 0\.95\./ },
  { name: "ExponentialLR with gamma NaN", build: (opt) => new ExponentialLR(opt, { gamma: NaN }), error: RangeError, message: /gamma must be a number >= 0, got NaN/ },

  { name: "PolynomialLR with a negative power", build: (opt) => new PolynomialLR(opt, { power: -1 }), error: RangeError, message: /PolynomialLR: power must be a number >= 0, got -1/ },
  { name: "PolynomialLR with totalIters 0", build: (opt) => new PolynomialLR(opt, { totalIters: 0 }), error: RangeError, message: /totalIters must be an integer >= 1, got 0/ },

  { name: "CosineAnnealingLR without tMax", build: (opt) => new CosineAnnealingLR(opt, {} as any), error: TypeError, message: /CosineAnnealingLR: option tMax is required and must be an integer >= 1/ },
  { name: "CosineAnnealingLR with PyTorch's T_max", build: (opt) => new CosineAnnealingLR(opt, { T_max: 10 } as any), error: TypeError, message: /unknown option "T_max"\. Use tMax instead/ },
  { name: "CosineAnnealingLR with a negative etaMin", build: (opt) => new CosineAnnealingLR(opt, { tMax: 10, etaMin: -0.01 }), error: RangeError, message: /etaMin must be a number >= 0, got -0\.01/ },

  { name: "CosineAnnealingWarmRestarts with t0 0", build: (opt) => new CosineAnnealingWarmRestarts(opt, { t0: 0 }), error: RangeError, message: /CosineAnnealingWarmRestarts: t0 must be an integer >= 1, got 0/ },
  { name: "CosineAnnealingWarmRestarts with PyTorch's T_0", build: (opt) => new CosineAnnealingWarmRestarts(opt, { T_0: 10 } as any), error: TypeError, message: /unknown option "T_0"\. Use t0 instead/ },
  { name: "CosineAnnealingWarmRestarts with a fractional tMult", build: (opt) => new CosineAnnealingWarmRestarts(opt, { t0: 5, tMult: 1.5 }), error: RangeError, message: /tMult must be an integer >= 1, got 1\.5/ },

  { name: "CyclicLR without maxLr", build: (opt) => new CyclicLR(opt, { baseLr: 0.01 } as any), error: TypeError, message: /CyclicLR: option maxLr is required and must be a number >= 0, or an array of 1 such numbers \(one per parameter group\)/ },
  { name: "CyclicLR with a per-group list of the wrong length", build: (opt) => new CyclicLR(opt, { baseLr: [0.01, 0.02], maxLr: 0.1 }), error: TypeError, message: /CyclicLR: baseLr must be .* got an array of 2\. Give one value per parameter group/ },
  { name: "CyclicLR with a negative entry in a list", build: (opt) => new CyclicLR(opt, { baseLr: [-0.01], maxLr: 0.1 }), error: RangeError, message: /baseLr\[0\] must be a number >= 0, got -0\.01/ },
  { name: "CyclicLR with an unknown mode", build: (opt) => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, mode: "triangle" as any }), error: RangeError, message: /CyclicLR: mode must be one of "triangular", "triangular2", "exp_range", got "triangle"\. Try mode: "triangular"\./ },
  { name: "CyclicLR with stepSizeUp 0", build: (opt) => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 0 }), error: RangeError, message: /stepSizeUp must be a number > 0, got 0/ },
  { name: "CyclicLR with a negative stepSizeDown", build: (opt) => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeDown: -1 }), error: RangeError, message: /stepSizeDown must be a number >= 0, got -1/ },
  { name: "CyclicLR with a scaleFn that is not a function", build: (opt) => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, scaleFn: 2 as any }), error: TypeError, message: /scaleFn must be a function, got 2/ },
  { name: "CyclicLR cycling momentum on Adam", optimizer: () => new Adam([new Parameter(new Float64Array(1))]), build: (opt) => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1 }), error: RangeError, message: /CyclicLR: cycleMomentum needs an optimizer with a momentum option, such as SGD or RMSprop, but Adam has none .*\. Pass cycleMomentum: false$/ },

  { name: "OneCycleLR without a cycle length", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1 }), error: RangeError, message: /OneCycleLR: the cycle length is missing\. Pass totalSteps, or both epochs and stepsPerEpoch/ },
  { name: "OneCycleLR with totalSteps 0", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 0 }), error: RangeError, message: /totalSteps must be an integer >= 1, got 0/ },
  { name: "OneCycleLR with pctStart above 1", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 1.2 }), error: RangeError, message: /pctStart must be a number in \[0, 1\], got 1\.2/ },
  { name: "OneCycleLR with a first phase of zero length", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 0.1 }), error: RangeError, message: /pctStart and totalSteps give a phase of zero length \(phase end steps: 0, 9\)/ },
  { name: "OneCycleLR with a last phase of zero length", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 1 }), error: RangeError, message: /phase of zero length \(phase end steps: 9, 9\)/ },
  { name: "OneCycleLR with an unknown annealStrategy", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, annealStrategy: "cosine" as any }), error: RangeError, message: /annealStrategy must be one of "cos", "linear", got "cosine"/ },
  { name: "OneCycleLR with divFactor 0", build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, divFactor: 0 }), error: RangeError, message: /divFactor must be a number > 0, got 0/ },
  { name: "OneCycleLR cycling momentum on Adagrad", optimizer: () => new Adagrad([new Parameter(new Float64Array(1))]), build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 }), error: RangeError, message: /cycleMomentum needs an optimizer with momentum or betas, but Adagrad has neither\. Pass cycleMomentum: false$/ },
  { name: "OneCycleLR with a beta1 bound of 1", optimizer: () => new Adam([new Parameter(new Float64Array(1))]), build: (opt) => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, maxMomentum: 1 }), error: RangeError, message: /become β1 of Adam's betas, which must be < 1, got 1/ },

  { name: "ReduceLROnPlateau with factor 1", build: (opt) => new ReduceLROnPlateau(opt, { factor: 1 }), error: RangeError, message: /ReduceLROnPlateau: factor must be a number in \[0, 1\), got 1\. Try factor: 0\.1\./ },
  { name: "ReduceLROnPlateau with an unknown mode", build: (opt) => new ReduceLROnPlateau(opt, { mode: "minimum" as any }), error: RangeError, message: /mode must be one of "min", "max", got "minimum"/ },
  { name: "ReduceLROnPlateau with a numeric mode", build: (opt) => new ReduceLROnPlateau(opt, { mode: 0 as any }), error: TypeError, message: /mode must be one of "min", "max", got 0/ },
  { name: "ReduceLROnPlateau with an unknown thresholdMode", build: (opt) => new ReduceLROnPlateau(opt, { thresholdMode: "relative" as any }), error: RangeError, message: /thresholdMode must be one of "rel", "abs", got "relative"/ },
  { name: "ReduceLROnPlateau with a fractional patience", build: (opt) => new ReduceLROnPlateau(opt, { patience: 1.5 }), error: RangeError, message: /patience must be an integer >= 0, got 1\.5/ },
  { name: "ReduceLROnPlateau with a negative cooldown", build: (opt) => new ReduceLROnPlateau(opt, { cooldown: -1 }), error: RangeError, message: /cooldown must be an integer >= 0, got -1/ },
  { name: "ReduceLROnPlateau with minLr of the wrong length", optimizer: () => sgd(2), build: (opt) => new ReduceLROnPlateau(opt, { minLr: [0.1] }), error: TypeError, message: /minLr must be a number >= 0, or an array of 2 such numbers .* got an array of 1/ },
  { name: "ReduceLROnPlateau stepped without a metric", build: (opt) => new ReduceLROnPlateau(opt, quiet).step(undefined as any), error: TypeError, message: /ReduceLROnPlateau\.step: metric must be a number, got undefined\. Pass the monitored value/ },

  { name: "LambdaLR without lrLambda", build: (opt) => new LambdaLR(opt, {} as any), error: TypeError, message: /LambdaLR: option lrLambda is required and must be a function, or an array of 1 functions/ },
  { name: "LambdaLR with too many functions", build: (opt) => new LambdaLR(opt, { lrLambda: [() => 1, () => 1] }), error: TypeError, message: /lrLambda must be a function, or an array of 1 functions \(one per parameter group\), got an array of 2 functions/ },
  { name: "LambdaLR whose function returns a string", build: (opt) => new LambdaLR(opt, { lrLambda: () => "1" as any }), error: TypeError, message: /LambdaLR: lrLambda\(0\) returned "1" for parameter group 0; it must return a number/ },
  { name: "LambdaLR whose function returns a negative factor", build: (opt) => new LambdaLR(opt, { lrLambda: () => -1 }), error: RangeError, message: /lrLambda\(0\) returned -1 for parameter group 0; the factor must be a finite number >= 0/ },

  { name: "SequentialLR without schedulers", build: (opt) => new SequentialLR(opt, { schedulers: [], milestones: [] }), error: TypeError, message: /SequentialLR: schedulers must be a non-empty array of schedulers built on the same optimizer, got \[\]/ },
  { name: "SequentialLR with milestones of the wrong length", build: (opt) => new SequentialLR(opt, { schedulers: [new ConstantLR(opt), new ExponentialLR(opt, { gamma: 0.9 })], milestones: [2, 4] }), error: RangeError, message: /milestones must have one entry fewer than schedulers, got 2 milestones for 2 schedulers/ },
  { name: "SequentialLR with decreasing milestones", build: (opt) => new SequentialLR(opt, { schedulers: [new ConstantLR(opt), new ConstantLR(opt), new ConstantLR(opt)], milestones: [4, 2] }), error: RangeError, message: /milestones must be an array of integers >= 1, each larger than the one before, got \[4, 2\] \(entry 1 is 2\)/ },
  { name: "SequentialLR with a plain object for a scheduler", build: (opt) => new SequentialLR(opt, { schedulers: [{} as any], milestones: [] }), error: TypeError, message: /schedulers\[0\] must be a scheduler such as LinearLR or CosineAnnealingLR, got an object \(Object\)/ },
  { name: "SequentialLR with ReduceLROnPlateau inside", build: (opt) => new SequentialLR(opt, { schedulers: [new ReduceLROnPlateau(opt) as any], milestones: [] }), error: RangeError, message: /schedulers\[0\] is a ReduceLROnPlateau, which cannot sit inside because its step\(\) needs a metric/ },
  { name: "SequentialLR with a scheduler of another optimizer", build: (opt) => new SequentialLR(opt, { schedulers: [new ConstantLR(sgd())], milestones: [] }), error: RangeError, message: /schedulers\[0\] \(ConstantLR\) was built on another optimizer/ },
  { name: "ChainedScheduler with a nested ChainedScheduler", build: (opt) => new ChainedScheduler(opt, { schedulers: [new ChainedScheduler(opt, { schedulers: [new ConstantLR(opt)] }) as any] }), error: RangeError, message: /schedulers\[0\] is a ChainedScheduler; nesting one wrapper inside another is not supported/ },
  { name: "ChainedScheduler listing one scheduler twice", build: (opt) => { const s = new ConstantLR(opt); return new ChainedScheduler(opt, { schedulers: [s, s] }); }, error: RangeError, message: /schedulers\[1\] is the same scheduler as schedulers\[0\]\. List each scheduler once/ },
];
/* eslint-enable @typescript-eslint/no-explicit-any */

describe("scheduler errors", () => {
  for (const c of CASES) {
    it(`${c.name} is rejected`, () => {
      const opt = c.optimizer?.() ?? sgd();
      expect(() => c.build(opt)).toThrow(c.error);
      expect(() => c.build(c.optimizer?.() ?? sgd())).toThrow(c.message);
    });
  }

  it("rejected options leave the optimizer untouched", () => {
    const opt = sgd();
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow(RangeError);
    expect(() => new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, mode: "x" as never })).toThrow(RangeError);
    expect(() => new LambdaLR(opt, { lrLambda: () => -1 })).toThrow(RangeError);
    expect(opt.paramGroups[0].lr).toBe(0.1);
    expect(opt.paramGroups[0].momentum).toBe(0.9);
    expect(opt.paramGroups[0].initialLr).toBeUndefined();
  });
});
