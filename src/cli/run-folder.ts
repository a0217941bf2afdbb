import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

import type { RunResult, StepMetrics } from "../report/types.js";
import { parseMetricsJsonl, writeFileAtomic } from "../report/write.js";
import type { EpochMetrics } from "../train/run.js";
import type { RunOutcome, RunTask } from "./execute-run.js";

/** Folder of one run inside a compare output folder. */
export function runFolder(outDir: string, label: string): string {
  return join(outDir, "runs", label.replace(/[^A-Za-z0-9._-]+/g, "-"));
}

/** Formats one line of `metrics.jsonl`: an optimizer's metrics after one epoch. */
export function metricsLine(task: RunTask, metrics: EpochMetrics): string {
  const { optimizer, ...epoch } = metrics;
  return JSON.stringify({
    optimizer,
    label: task.label,
    options: task.config.optimizerOptions ?? {},
    ...epoch,
  });
}

/**
 * Writes a run's `settings.json` and `metrics.jsonl` into `dir`, replacing
 * each file atomically, and `steps.jsonl` once the run has finished.
 */
export async function writeRunFolder(
  dir: string,
  task: RunTask,
  epochs: readonly EpochMetrics[],
  outcome?: RunOutcome,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const settings = {
    label: task.label,
    ...task.config,
    data: task.dataDir,
    backend: task.backend,
    ...(outcome
      ? {
          batchSizeResolved: outcome.batchSize,
          regime: outcome.regime,
          trainCount: outcome.trainCount,
          testCount: outcome.testCount,
        }
      : {}),
  };
  await writeFileAtomic(
    join(dir, "settings.json"),
    `${JSON.stringify(settings, null, 2)}\n`,
  );
  await writeFileAtomic(
    join(dir, "metrics.jsonl"),
    epochs.map((m) => `${metricsLine(task, m)}\n`).join(""),
  );
  if (outcome) {
    const lines = outcome.steps.map((s) => `${JSON.stringify(s)}\n`).join("");
    await writeFileAtomic(join(dir, "steps.jsonl"), lines);
  }
}

/** Reads the settings a run folder was written with, or undefined if it has none. */
export function readRunSettings(
  dir: string,
): Record<string, unknown> | undefined {
  const path = join(dir, "settings.json");
  return existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>)
    : undefined;
}

/**
 * Reads a run folder that `descent train` or `descent compare` wrote:
 * its epochs from `metrics.jsonl` and, where present, its steps from
 * `steps.jsonl`.
 * @throws Error naming the folder when it has no `metrics.jsonl`, or the
 *   file and line of a malformed record.
 */
export function readRunFolder(dir: string): RunResult {
  const metricsPath = join(dir, "metrics.jsonl");
  if (!existsSync(metricsPath)) {
    throw new Error(
      `${dir} has no metrics.jsonl, so it is not a run folder. ` +
        `Pass folders that descent train or descent compare wrote (compare's are under <out>/runs/).`,
    );
  }
  const runs = parseMetricsJsonl(
    readFileSync(metricsPath, "utf8"),
    metricsPath,
  );
  if (runs.length !== 1) {
    throw new Error(
      `${metricsPath} contains ${runs.length} runs, but a run folder contains exactly one. ` +
        `Pass the folders under runs/ rather than a compare output folder.`,
    );
  }
  const run = runs[0] as RunResult;
  const stepsPath = join(dir, "steps.jsonl");
  if (existsSync(stepsPath)) {
    run.steps = readFileSync(stepsPath, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line, index) => {
        try {
          return JSON.parse(line) as StepMetrics;
        } catch (error) {
          throw new Error(
            `${stepsPath}, line ${index + 1}: not valid JSON (${(error as Error).message}). ` +
              `Delete the file to build the report without per-step charts.`,
          );
        }
      });
  }
  return run;
}
