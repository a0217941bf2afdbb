import { runLabel, type ReportInput, type RunResult } from "./types.js";

/** Headline numbers of one run, as the summary tables show them. */
export interface RunSummary {
  label: string;
  optimizer: string;
  /** Number of finished epochs. */
  epochs: number;
  /** Training loss of the last epoch, or NaN when the run has no epochs or diverged. */
  finalTrainLoss: number;
  /** Highest test accuracy over all epochs as a fraction, or NaN when none is finite. */
  bestTestAccuracy: number;
  /** Epoch of `bestTestAccuracy` (the first one on a tie), or null. */
  bestEpoch: number | null;
  /** Sum of the epochs' seconds. */
  totalSeconds: number;
}

/** Computes the headline numbers of one run. */
export function summarizeRun(run: RunResult): RunSummary {
  let bestTestAccuracy = Number.NaN;
  let bestEpoch: number | null = null;
  let totalSeconds = 0;

  for (const metrics of run.epochs) {
    totalSeconds += metrics.seconds;
    const accuracy = metrics.testAccuracy;
    if (
      Number.isFinite(accuracy) &&
      (bestEpoch === null || accuracy > bestTestAccuracy)
    ) {
      bestTestAccuracy = accuracy;
      bestEpoch = metrics.epoch;
    }
  }

  const last = run.epochs.at(-1);
  return {
    label: runLabel(run),
    optimizer: run.optimizer,
    epochs: run.epochs.length,
    finalTrainLoss: last === undefined ? Number.NaN : last.trainLoss,
    bestTestAccuracy,
    bestEpoch,
    totalSeconds,
  };
}

/** Column headings of the summary table, shared by Markdown and HTML. */
export const SUMMARY_HEADINGS = [
  "Optimizer",
  "Final training loss",
  "Best test accuracy",
  "Best epoch",
  "Total time (s)",
] as const;

/**
 * Formats summaries as table rows of cells, in the order of
 * `SUMMARY_HEADINGS`. Each number column has one number of decimals, so the
 * numbers of a column line up: losses take {@link lossDecimals} of all the
 * rows' losses, accuracies 2 decimals as a percentage, seconds 1 decimal.
 * A diverged run's loss shows as NaN or Infinity, and a run without a finite
 * accuracy shows n/a.
 */
export function summaryRows(summaries: readonly RunSummary[]): string[][] {
  const decimals = lossDecimals(
    summaries.map((summary) => summary.finalTrainLoss),
  );
  return summaries.map((summary) => [
    summary.label,
    formatLoss(summary.finalTrainLoss, decimals),
    formatPercent(summary.bestTestAccuracy),
    summary.bestEpoch === null ? "n/a" : String(summary.bestEpoch),
    summary.totalSeconds.toFixed(1),
  ]);
}

/**
 * Builds `summary.md`: the report title and one table row per run, with the
 * cells of {@link summaryRows}.
 */
export function buildSummaryMarkdown(input: ReportInput): string {
  const header = `| ${SUMMARY_HEADINGS.join(" | ")} |`;
  const alignment = "| --- | ---: | ---: | ---: | ---: |";
  const rows = summaryRows(input.runs.map(summarizeRun)).map(
    (cells) => `| ${cells.map(escapeMarkdownCell).join(" | ")} |`,
  );
  const title = escapeMarkdownCell(input.title);
  return [`# ${title}`, "", header, alignment, ...rows, ""].join("\n");
}

/** Minimum and maximum decimals that {@link lossDecimals} gives a loss column. */
const MIN_LOSS_DECIMALS = 4;
const MAX_LOSS_DECIMALS = 8;

/**
 * Returns the decimals that show the smallest non-zero finite loss with 4
 * significant digits, from 4 to 8. With 8, a loss below 5e-9 shows as
 * 0.00000000.
 */
export function lossDecimals(losses: readonly number[]): number {
  const shown = losses.filter((loss) => Number.isFinite(loss) && loss !== 0);
  if (shown.length === 0) return MIN_LOSS_DECIMALS;
  const smallest = Math.min(...shown.map(Math.abs));
  const decimals = 3 - Math.floor(Math.log10(smallest));
  return Math.min(MAX_LOSS_DECIMALS, Math.max(MIN_LOSS_DECIMALS, decimals));
}

/** Formats a loss with a fixed number of decimals, keeping NaN and Infinity visible. */
export function formatLoss(loss: number, decimals: number): string {
  if (!Number.isFinite(loss)) {
    return String(loss);
  }
  return loss.toFixed(decimals);
}

/** Formats a fraction as a percentage with 2 decimals, or n/a for NaN. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) {
    return "n/a";
  }
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Escapes the characters that would end a Markdown table cell or line. */
function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\s+/g, " ");
}
