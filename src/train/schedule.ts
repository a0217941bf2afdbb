import type { Optimizer } from "../core/index.js";
import {
  CosineAnnealingLR,
  LinearLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
  ExponentialLR,
  type LRScheduler,
  type SchedulerStateDict,
} from "../schedules/index.js";
import type { RunConfig } from "./run.js";

/** Per-update scheduler, as the training loop drives it. */
interface SteppedScheduler {
  step(): void;
  stateDict(): SchedulerStateDict;
  loadStateDict(state: SchedulerStateDict): void;
}

/** Learning-rate schedules a training run can follow. */
export const SCHEDULE_NAMES = [
  "constant",
  "cosine",
  "step",
  "exponential",
  "onecycle",
  "plateau",
] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** A run's schedule: its name and the number of warm-up updates. */
export interface ScheduleConfig {
  name: ScheduleName;
  /** Updates over which the rate rises linearly from a tenth of its value; 0 for none. */
  warmup: number;
}

/**
 * A schedule as the training loop drives it: `afterUpdate()` after every
 * optimizer update, `afterEpoch(testLoss)` after every evaluation.
 */
export interface RunSchedule {
  afterUpdate(): void;
  afterEpoch(testLoss: number): void;
  stateDict(): SchedulerStateDict | undefined;
  loadStateDict(state: SchedulerStateDict): void;
}

// The warm-up starts at this fraction of the learning rate.
const WARMUP_START = 0.1;

/**
 * Builds the schedule `config` names on `optimizer` for a run of
 * `totalUpdates` updates:
 *
 * - `constant`: the rate stays as given;
 * - `cosine`: cosine annealing to 0 over the run (after the warm-up);
 * - `step`: the rate falls tenfold at one third and two thirds of the run;
 * - `exponential`: the rate falls tenfold over the run, a little each update;
 * - `onecycle`: OneCycleLR peaking at the given rate, with momentum or β1 cycled;
 * - `plateau`: ReduceLROnPlateau on the test loss, halving after 2 epochs without improvement.
 *
 * @throws RangeError for a warm-up longer than the run, or a warm-up with
 *   `onecycle` or `plateau`, which have their own start.
 */
export function createRunSchedule(
  optimizer: Optimizer,
  config: ScheduleConfig,
  totalUpdates: number,
): RunSchedule {
  checkScheduleConfig(config, totalUpdates);
  const { name, warmup } = config;
  if (name === "plateau") return plateauSchedule(optimizer);

  const span = totalUpdates - warmup;
  const main = mainScheduler(optimizer, name, span);
  let scheduler: SteppedScheduler | undefined = main;
  if (warmup > 0) {
    const rise = new LinearLR(optimizer, {
      startFactor: WARMUP_START,
      endFactor: 1,
      totalIters: warmup,
    });
    const after =
      main ??
      new LinearLR(optimizer, { startFactor: 1, endFactor: 1, totalIters: 1 });
    scheduler = new SequentialLR(optimizer, {
      schedulers: [rise, after],
      milestones: [warmup],
    });
  }
  return {
    afterUpdate: () => scheduler?.step(),
    afterEpoch: () => {},
    stateDict: () => scheduler?.stateDict(),
    loadStateDict: (state) => scheduler?.loadStateDict(state),
  };
}

/**
 * Checks that `config` can schedule a run of `totalUpdates` updates.
 * @throws RangeError for a warm-up longer than the run, or a warm-up with
 *   `onecycle` or `plateau`, which have their own start.
 */
export function checkScheduleConfig(
  config: ScheduleConfig,
  totalUpdates: number,
): void {
  const { name, warmup } = config;
  if (warmup > 0 && (name === "onecycle" || name === "plateau")) {
    throw new RangeError(
      `Training run: --warmup does not combine with the ${name} schedule, which sets its own start. ` +
        `Drop --warmup or choose cosine, step, exponential or constant.`,
    );
  }
  if (warmup >= totalUpdates) {
    throw new RangeError(
      `Training run: the warm-up of ${warmup} updates is not shorter than the run's ${totalUpdates} updates. ` +
        `Use a warm-up below ${totalUpdates}.`,
    );
  }
}

/**
 * Checks a run's schedule against the updates the run will make, so that a
 * command can report a bad combination before any training starts.
 */
export function checkRunSchedule(config: RunConfig, trainCount: number): void {
  if (config.schedule === undefined) return;
  const batchSize =
    config.batchSize === "full"
      ? trainCount
      : Math.min(config.batchSize, trainCount);
  const batches = Math.ceil(trainCount / batchSize);
  const updates = Math.ceil(batches / (config.accumulate ?? 1)) * config.epochs;
  checkScheduleConfig(config.schedule, updates);
}

/**
 * Tells whether the schedule plans its rates over the run's length (cosine,
 * step, exponential, onecycle), so that a run of another length would use
 * other rates. Constant and plateau schedules do not, nor does a warm-up.
 */
export function scheduleSpansRun(config: ScheduleConfig): boolean {
  return config.name !== "constant" && config.name !== "plateau";
}

function mainScheduler(
  optimizer: Optimizer,
  name: Exclude<ScheduleName, "plateau">,
  span: number,
): LRScheduler | undefined {
  switch (name) {
    case "constant":
      return undefined;
    case "cosine":
      return new CosineAnnealingLR(optimizer, { tMax: span });
    case "step":
      return new StepLR(optimizer, {
        stepSize: Math.max(1, Math.floor(span / 3)),
        gamma: 0.1,
      });
    case "exponential":
      return new ExponentialLR(optimizer, { gamma: 0.1 ** (1 / span) });
    case "onecycle": {
      const group = optimizer.paramGroups[0];
      const cycleMomentum =
        (typeof group.momentum === "number" && group.momentum > 0) ||
        Array.isArray(group.betas);
      return new OneCycleLR(optimizer, {
        maxLr: group.lr,
        totalSteps: span,
        cycleMomentum,
      });
    }
  }
}

function plateauSchedule(optimizer: Optimizer): RunSchedule {
  const scheduler = new ReduceLROnPlateau(optimizer, {
    factor: 0.5,
    patience: 2,
  });
  return {
    afterUpdate: () => {},
    afterEpoch: (testLoss) => scheduler.step(testLoss),
    stateDict: () => scheduler.stateDict(),
    loadStateDict: (state) => scheduler.loadStateDict(state),
  };
}
