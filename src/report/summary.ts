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

/** Formats a summary as table cells, in the order of `SUMMARY_HEADINGS`. */
export function summaryCells(summary: RunSummary): string[] {
  return [
    summary.label,
    formatLoss(summary.finalTrainLoss),
    formatPercent(summary.bestTestAccuracy),
    summary.bestEpoch === null ? "n/a" : String(summary.bestEpoch),
    summary.totalSeconds.toFixed(1),
  ];
}

/**
 * Builds `summary.md`: the report title and one table row per run.
 *
 * A loss is shown with 4 significant digits, or as NaN/Infinity when the run
 * diverged. An accuracy is shown as a percentage with 2 decimals, or n/a when
 * the run recorded none.
 */
export function buildSummaryMarkdown(input: ReportInput): string {
  const header = `| ${SUMMARY_HEADINGS.join(" | ")} |`;
  const alignment = "| --- | ---: | ---: | ---: | ---: |";
  const rows = input.runs.map((run) => {
    const cells = summaryCells(summarizeRun(run)).map(escapeMarkdownCell);
    return `| ${cells.join(" | ")} |`;
  });
  const title = escapeMarkdownCell(input.title);
  return [`# ${title}`, "", header, alignment, ...rows, ""].join("\n");
}

/** Formats a loss with 4 significant digits, keeping NaN and Infinity visible. */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) {
    return String(loss);
  }
  return String(Number(loss.toPrecision(4)));
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
