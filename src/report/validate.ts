import { runLabel, type ReportInput, type RunResult } from "./types.js";

/**
 * Throws unless `input` can be drawn and tabulated.
 *
 * Losses may be NaN or infinite and accuracies NaN, because a diverged run
 * records them that way. Epoch and step numbers must be positive integers in
 * increasing order, durations finite and non-negative, accuracies fractions
 * from 0 to 1, and learning rates finite and non-negative. Labels must differ
 * between runs, because each label gets its own colour.
 */
export function validateReportInput(input: ReportInput): void {
  if (typeof input.title !== "string") {
    throw new TypeError(
      `Report title must be a string, got ${describe(input.title)}.`,
    );
  }
  if (!Array.isArray(input.runs) || input.runs.length === 0) {
    throw new RangeError(
      "Report has no runs: pass at least one RunResult in `runs`.",
    );
  }

  const seen = new Set<string>();
  for (const run of input.runs) {
    validateRun(run);
    const label = runLabel(run);
    if (seen.has(label)) {
      throw new RangeError(
        `Two runs are labelled "${label}": give each run a different ` +
          "`label`, for example with its learning rate or seed.",
      );
    }
    seen.add(label);
  }
}

function validateRun(run: RunResult): void {
  if (typeof run.optimizer !== "string" || run.optimizer === "") {
    throw new TypeError(
      `Run optimizer must be a non-empty string, got ${describe(run.optimizer)}.`,
    );
  }
  const label = runLabel(run);
  if (typeof label !== "string" || label === "") {
    throw new TypeError(
      `Run label of "${run.optimizer}" must be a non-empty string, ` +
        `got ${describe(run.label)}.`,
    );
  }
  if (!Array.isArray(run.epochs) || !Array.isArray(run.steps)) {
    throw new TypeError(
      `Run "${label}" needs arrays \`epochs\` and \`steps\` (use [] for none).`,
    );
  }

  let previousEpoch = 0;
  for (const metrics of run.epochs) {
    const where = `run "${label}", epoch ${describe(metrics.epoch)}`;
    requireIncreasingInteger(metrics.epoch, previousEpoch, `${where}: epoch`);
    previousEpoch = metrics.epoch;
    requireNumber(metrics.trainLoss, `${where}: trainLoss`);
    requireNumber(metrics.testLoss, `${where}: testLoss`);
    requireFraction(metrics.testAccuracy, `${where}: testAccuracy`);
    requireNonNegative(metrics.seconds, `${where}: seconds`);
  }

  let previousStep = 0;
  for (const metrics of run.steps) {
    const where = `run "${label}", step ${describe(metrics.step)}`;
    requireIncreasingInteger(metrics.step, previousStep, `${where}: step`);
    previousStep = metrics.step;
    requireNumber(metrics.loss, `${where}: loss`);
    if (metrics.lr !== undefined) {
      requireNonNegative(metrics.lr, `${where}: lr`);
    }
    if (metrics.effectiveLr !== undefined) {
      requireNonNegative(metrics.effectiveLr, `${where}: effectiveLr`);
    }
  }
}

function requireIncreasingInteger(
  value: unknown,
  previous: number,
  name: string,
): void {
  if (!Number.isInteger(value) || (value as number) <= previous) {
    throw new RangeError(
      `${name} must be an integer greater than ${previous} (numbers start ` +
        `at 1 and increase), got ${describe(value)}.`,
    );
  }
}

function requireNumber(value: unknown, name: string): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be a number (NaN for a diverged run), got ${describe(value)}.`,
    );
  }
}

function requireFraction(value: unknown, name: string): void {
  requireNumber(value, name);
  const fraction = value as number;
  if (fraction < 0 || fraction > 1) {
    throw new RangeError(
      `${name} must be a fraction from 0 to 1, got ${fraction}: ` +
        "divide a percentage by 100.",
    );
  }
}

function requireNonNegative(value: unknown, name: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${name} must be a finite number >= 0, got ${describe(value)}.`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number" || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}
