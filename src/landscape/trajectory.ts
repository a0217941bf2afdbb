import { type Optimizer, Parameter, algorithms, createOptimizer } from "../core/index.js";
import { type Point, type TestFunction, getTestFunction } from "./functions.js";
import { defaultLearningRate } from "./learning-rates.js";

/** The path of one optimizer over a test function. */
export interface Trajectory {
  /** `points[0]` is the start and `points[k]` the point after step k. */
  points: [number, number][];
  /** `values[k]` is the function's value at `points[k]`. */
  values: number[];
  /** Every option the optimizer ran with, its defaults filled in. */
  options: Record<string, unknown>;
  /**
   * True when the run stopped before the requested number of steps because
   * the gradient, the next point or its value was not finite. The points and
   * values kept are all finite.
   */
  diverged: boolean;
}

/**
 * Steps one optimizer over a test function, one step at a time, for callers
 * that draw the path as it grows. {@link runTrajectory} runs it to the end.
 */
export class TrajectoryStepper {
  readonly fn: TestFunction;
  readonly optimizer: Optimizer;
  /** Every option the optimizer runs with, its defaults filled in. */
  readonly options: Record<string, unknown>;
  /** The current point, as a float64 parameter the optimizer updates in place. */
  readonly parameter: Parameter;
  /** Steps taken so far. */
  steps = 0;
  /** The value at the current point. */
  value: number;
  /** True once a step failed to produce a finite gradient, point or value. */
  diverged = false;

  /**
   * @param options The optimizer's options; a missing `lr` takes
   *   {@link defaultLearningRate} for this optimizer and function.
   * @throws TypeError for an unknown optimizer, an invalid option or a bad start.
   * @throws RangeError for an option out of range.
   */
  constructor(
    fn: TestFunction | string,
    optimizerName: string,
    options: Readonly<Record<string, unknown>> = {},
    start?: Point,
  ) {
    this.fn = typeof fn === "string" ? getTestFunction(fn) : fn;
    const from = start ?? this.fn.start;
    checkStart(from);
    const lr = options.lr ?? defaultLearningRate(optimizerName, this.fn.name);
    this.parameter = new Parameter(new Float64Array(from), { name: "point" });
    this.optimizer = createOptimizer(optimizerName, [this.parameter], { ...options, lr });
    this.options = usedOptions(this.optimizer, optimizerName);
    this.value = this.fn.value(from[0], from[1]);
  }

  /** The current point. */
  get point(): [number, number] {
    return [this.parameter.data[0], this.parameter.data[1]];
  }

  /**
   * Takes one step and returns true, or returns false once the run has
   * diverged: when the gradient here is not finite, or the step leads to a
   * point or value that is not finite. The point then stays at the last
   * finite one and later calls do nothing.
   */
  step(): boolean {
    if (this.diverged) return false;
    const data = this.parameter.data;
    const [x, y] = [data[0], data[1]];
    const [gx, gy] = this.fn.gradient(x, y);
    if (!Number.isFinite(gx) || !Number.isFinite(gy)) return this.stop();

    this.parameter.grad!.set([gx, gy]);
    this.optimizer.step();
    const value = this.fn.value(data[0], data[1]);
    if (!Number.isFinite(data[0]) || !Number.isFinite(data[1]) || !Number.isFinite(value)) {
      data.set([x, y]);
      return this.stop();
    }
    this.steps += 1;
    this.value = value;
    return true;
  }

  private stop(): false {
    this.diverged = true;
    return false;
  }
}

/**
 * Runs an optimizer from core over a test function and records its path.
 *
 * The point is a float64 {@link Parameter}; each step sets its gradient to
 * the function's analytic gradient and calls the optimizer's `step()`.
 *
 * @param fn A test function or its name.
 * @param optimizerName A name {@link createOptimizer} accepts, such as `"adam"`.
 * @param options The optimizer's options; a missing `lr` takes
 *   {@link defaultLearningRate} for this optimizer and function.
 * @param start Where the path starts; defaults to the function's `start`.
 * @param steps How many steps to take; defaults to the function's `steps`.
 * @throws TypeError for an unknown function or optimizer, an invalid option,
 *   a start that is not two finite numbers, or a step count that is not an
 *   integer ≥ 0.
 * @example
 * ```ts
 * const { points, values } = runTrajectory("rosenbrock", "adam", { lr: 0.05 }, [-1.2, 1], 300);
 * // points[0] is [-1.2, 1]; values[300] is far below values[0]
 * ```
 */
export function runTrajectory(
  fn: TestFunction | string,
  optimizerName: string,
  options: Readonly<Record<string, unknown>> = {},
  start?: Point,
  steps?: number,
): Trajectory {
  const stepper = new TrajectoryStepper(fn, optimizerName, options, start);
  const count = steps ?? stepper.fn.steps;
  if (!Number.isInteger(count) || count < 0) {
    throw new TypeError(
      `runTrajectory: steps must be an integer >= 0, got ${String(steps)}. ` +
        `Pass a whole number such as ${stepper.fn.steps}.`,
    );
  }
  const points = [stepper.point];
  const values = [stepper.value];
  while (stepper.steps < count && stepper.step()) {
    points.push(stepper.point);
    values.push(stepper.value);
  }
  return { points, values, options: stepper.options, diverged: stepper.diverged };
}

function checkStart(start: unknown): asserts start is Point {
  const valid =
    Array.isArray(start) &&
    start.length === 2 &&
    start.every((c) => typeof c === "number" && Number.isFinite(c));
  if (!valid) {
    throw new TypeError(
      `trajectory start must be a point [x, y] of two finite numbers, got ${JSON.stringify(start)}. ` +
        `Pass e.g. [-1.2, 1].`,
    );
  }
}

/** Copies the options of the optimizer's only group that its algorithm defines, in the registry's order. */
function usedOptions(optimizer: Optimizer, optimizerName: string): Record<string, unknown> {
  const info = algorithms.find((a) => a.name === optimizerName.toLowerCase());
  const group = optimizer.paramGroups[0] as unknown as Record<string, unknown>;
  const used: Record<string, unknown> = {};
  for (const { name } of info?.options ?? []) {
    const value = group[name];
    used[name] = Array.isArray(value) ? [...value] : value;
  }
  return used;
}
