/**
 * Data the report layer turns into charts, a Markdown summary and an HTML page.
 *
 * The training loop fills these from its runs, and `readRunsFromMetrics` fills
 * them from the `metrics.jsonl` files of finished runs.
 */

/** Metrics of one training epoch, as one line of `metrics.jsonl` stores them. */
export interface EpochMetrics {
  /** Epoch number, counted from 1. */
  epoch: number;
  /** Mean training loss over the epoch, or NaN once the run has diverged. */
  trainLoss: number;
  /** Loss on the test set at the end of the epoch, or NaN. */
  testLoss: number;
  /** Fraction of the test set classified correctly, from 0 to 1, or NaN. */
  testAccuracy: number;
  /** Wall-clock seconds spent on the epoch. */
  seconds: number;
}

/** Values recorded at one optimizer step. */
export interface StepMetrics {
  /** Step number, counted from 1 across all epochs. */
  step: number;
  /** Training loss of the minibatch at this step. */
  loss: number;
  /** Learning rate used for this step (of the first parameter group). */
  lr?: number;
  /**
   * Effective learning rate of an adaptive method, such as Adam's mean of
   * lr / (√v̂ + eps) over all weights. A run that measures it once per epoch
   * sets it on the last step of each epoch only.
   */
  effectiveLr?: number;
}

/** Settings and metrics of one trained model. */
export interface RunResult {
  /** Algorithm name as `createOptimizer` takes it, such as `adam`. */
  optimizer: string;
  /**
   * Name shown in legends and tables, `optimizer` by default. Set it when a
   * report contains several runs of the same optimizer (other options or
   * seeds), because each run of a report needs a different label.
   */
  label?: string;
  /** Optimizer options the run used, such as `{ lr: 0.001 }`. */
  options: Record<string, unknown>;
  /** One entry per finished epoch, in order. */
  epochs: EpochMetrics[];
  /** One entry per recorded step, in order. Empty when none were recorded. */
  steps: StepMetrics[];
}

/** A setting shown in the report's settings table. */
export type SettingValue = string | number | boolean | null;

/** Everything one report shows. */
export interface ReportInput {
  /** Page and document title. */
  title: string;
  /** Settings shared by all runs: model, epochs, batch size, seed, data folder and so on. */
  settings: Record<string, SettingValue>;
  /** Runs to compare, in the order legends and tables list them. */
  runs: RunResult[];
}

/** Returns the name a run is shown under. */
export function runLabel(run: RunResult): string {
  return run.label ?? run.optimizer;
}
