import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Parameter, SGD } from "../src/core/index.js";
import { clipGradNorm, clipGradValue } from "../src/core/clip.js";
import {
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LinearLR,
  LRScheduler,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  StepLR,
} from "../src/schedules/index.js";

const quiet = { onWarning: () => {} };
const lr = fc.double({ min: 1e-6, max: 10, noNaN: true });
const fraction = fc.double({ min: 0.01, max: 1, noNaN: true });

function sgd(base: number): SGD {
  return new SGD([new Parameter(new Float64Array([1]))], { lr: base, momentum: 0.9 });
}

/** Steps the scheduler `steps` times and returns every lr, the constructor's included. */
function run(opt: SGD, sched: LRScheduler, steps: number): number[] {
  const lrs = [sched.getLastLr()[0]];
  for (let k = 0; k < steps; k++) {
    opt.step();
    sched.step();
    lrs.push(sched.getLastLr()[0]);
  }
  return lrs;
}

/** Rounding may take a cosine a few ulps below its floor; nothing more. */
function atLeast(values: number[], floor: number): void {
  const slack = 1e-12 * Math.max(1, Math.abs(floor));
  values.forEach((value, k) => expect(value, `lr after ${k} steps`).toBeGreaterThanOrEqual(floor - slack));
}

/** A scheduler built from generated settings, for the floor and resume properties. */
interface Built {
  opt: SGD;
  sched: LRScheduler;
  floor: number;
  steps: number;
}

const schedules: fc.Arbitrary<() => Built>[] = [
  fc.tuple(lr, fraction, fc.integer({ min: 1, max: 30 })).map(([base, eta, tMax]) => () => {
    const opt = sgd(base);
    const etaMin = eta * base;
    return { opt, sched: new CosineAnnealingLR(opt, { tMax, etaMin, ...quiet }), floor: etaMin, steps: 5 * tMax };
  }),
  fc.tuple(lr, fraction, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 3 })).map(([base, eta, t0, tMult]) => () => {
    const opt = sgd(base);
    const etaMin = eta * base;
    return { opt, sched: new CosineAnnealingWarmRestarts(opt, { t0, tMult, etaMin, ...quiet }), floor: etaMin, steps: 60 };
  }),
  fc.tuple(lr, lr, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.constantFrom("triangular", "triangular2", "exp_range") as fc.Arbitrary<"triangular">).map(
    ([baseLr, maxLr, stepSizeUp, stepSizeDown, mode]) => () => {
      const opt = sgd(1);
      const sched = new CyclicLR(opt, { baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma: 0.99, ...quiet });
      return { opt, sched, floor: Math.min(baseLr, maxLr), steps: 50 };
    },
  ),
  fc.tuple(lr, fc.integer({ min: 2, max: 60 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.boolean()).map(([maxLr, totalSteps, pctStart, threePhase]) => () => {
    const opt = sgd(1);
    const sched = new OneCycleLR(opt, { maxLr, totalSteps, pctStart, threePhase, ...quiet });
    return { opt, sched, floor: maxLr / 25 / 1e4, steps: totalSteps };
  }),
  fc.tuple(lr, fraction, fraction, fc.integer({ min: 1, max: 20 })).map(([base, startFactor, endFactor, totalIters]) => () => {
    const opt = sgd(base);
    const sched = new LinearLR(opt, { startFactor, endFactor, totalIters, ...quiet });
    return { opt, sched, floor: base * Math.min(startFactor, endFactor), steps: totalIters + 5 };
  }),
  fc.tuple(lr, fraction, fc.integer({ min: 1, max: 20 })).map(([base, factor, totalIters]) => () => {
    const opt = sgd(base);
    return { opt, sched: new ConstantLR(opt, { factor, totalIters, ...quiet }), floor: base * factor, steps: totalIters + 5 };
  }),
  fc.tuple(lr, fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 3, noNaN: true })).map(([base, totalIters, power]) => () => {
    const opt = sgd(base);
    return { opt, sched: new PolynomialLR(opt, { totalIters, power, ...quiet }), floor: 0, steps: totalIters + 5 };
  }),
  fc.tuple(lr, fraction, fc.integer({ min: 1, max: 5 })).map(([base, gamma, stepSize]) => () => {
    const opt = sgd(base);
    return { opt, sched: new StepLR(opt, { stepSize, gamma, ...quiet }), floor: 0, steps: 30 };
  }),
  fc.tuple(lr, fraction).map(([base, gamma]) => () => {
    const opt = sgd(base);
    return { opt, sched: new ExponentialLR(opt, { gamma, ...quiet }), floor: 0, steps: 30 };
  }),
];

describe("schedule properties", () => {
  it("no schedule goes below its floor", () => {
    fc.assert(
      fc.property(fc.oneof(...schedules), (build) => {
        const { opt, sched, floor, steps } = build();
        atLeast(run(opt, sched, steps), floor);
      }),
      { numRuns: 300 },
    );
  });

  it("ReduceLROnPlateau never goes below minLr", () => {
    const metric = fc.double({ min: -10, max: 10, noNaN: true });
    fc.assert(
      fc.property(lr, fraction, fc.array(metric, { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (base, minFraction, metrics, patience) => {
        const opt = sgd(base);
        const minLr = minFraction * base;
        const sched = new ReduceLROnPlateau(opt, { minLr, patience, factor: 0.5, ...quiet });
        for (const m of metrics) {
          opt.step();
          sched.step(m);
          expect(sched.getLastLr()[0]).toBeGreaterThanOrEqual(minLr);
        }
      }),
    );
  });

  it("a run resumed from saved state continues exactly", () => {
    fc.assert(
      fc.property(fc.oneof(...schedules), fc.double({ min: 0, max: 1, noNaN: true }), (build, where) => {
        const reference = build();
        const expected = run(reference.opt, reference.sched, reference.steps);
        const first = build();
        const r = Math.floor(where * first.steps);
        const before = run(first.opt, first.sched, r);
        const resumed = build();
        resumed.opt.loadStateDict(JSON.parse(JSON.stringify(first.opt.stateDict())));
        resumed.sched.loadStateDict(JSON.parse(JSON.stringify(first.sched.stateDict())));
        const after = run(resumed.opt, resumed.sched, first.steps - r);
        expect([...before, ...after.slice(1)]).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

const element = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const tensors = fc.array(fc.array(element, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 });
const normType = fc.oneof(fc.constantFrom(1, 2, Infinity), fc.double({ min: 0.25, max: 6, noNaN: true }));

function paramsOf(grads: number[][]): Parameter[] {
  return grads.map((g) => new Parameter(new Float64Array(g.length), { grad: new Float64Array(g) }));
}

function magnitudes(params: Parameter[]): number[] {
  return params.flatMap((p) => Array.from(p.grad as Float64Array, Math.abs));
}

describe("clipping properties", () => {
  it("clipGradNorm never increases a norm", () => {
    fc.assert(
      fc.property(tensors, fc.double({ min: 0, max: 1e3, noNaN: true }), normType, (grads, maxNorm, p) => {
        const params = paramsOf(grads);
        const before = magnitudes(params);
        const total = clipGradNorm(params, { maxNorm, normType: p });
        const after = magnitudes(params);
        after.forEach((value, i) => expect(value).toBeLessThanOrEqual(before[i]));
        // A maxNorm far above any total measures the norm; its coefficient of 1 changes nothing.
        const measured = clipGradNorm(params, { maxNorm: 1e300, normType: p });
        expect(measured).toBeLessThanOrEqual(total);
        // Subnormal results (maxNorm near 5e-324) are rounded in absolute steps, hence the 1e-300.
        // Below maxNorm^p ≈ 2.2e-308 the p-th powers of the clipped values
        // underflow, so the measured norm is no longer accurate enough to compare.
        const measurable = p === Infinity || maxNorm ** p >= 2.2250738585072014e-308;
        if (total > maxNorm && measurable) {
          expect(measured).toBeLessThanOrEqual(maxNorm * (1 + 1e-9) + 1e-300);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("clipGradValue never increases a magnitude and caps it", () => {
    fc.assert(
      fc.property(tensors, fc.double({ min: 0, max: 1e6, noNaN: true }), (grads, clipValue) => {
        const params = paramsOf(grads);
        const before = magnitudes(params);
        clipGradValue(params, { clipValue });
        magnitudes(params).forEach((value, i) => {
          expect(value).toBeLessThanOrEqual(before[i]);
          expect(value).toBeLessThanOrEqual(clipValue);
        });
      }),
    );
  });
});
