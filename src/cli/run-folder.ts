import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";

import type { RunResult, StepMetrics } from "../report/types.js";
import { CHECKPOINT_FILE } from "../train/checkpoint.js";
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
    ...runSettings(task),
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

/** Returns the settings of `task` that its folder's `settings.json` records before the run ends. */
function runSettings(task: RunTask): Record<string, unknown> {
  return {
    label: task.label,
    ...task.config,
    data: task.dataDir,
    backend: task.backend,
  };
}

/** Keys of `settings.json` that a finished run adds, which a new run cannot know yet. */
const OUTCOME_KEYS = ["batchSizeResolved", "regime", "trainCount", "testCount"];

/**
 * Checks, before anything is written, that running `task` into `dir`
 * replaces no run of other settings. A run of the same settings may be
 * replaced, because it would give the same numbers again. With `resume`,
 * the epoch count may differ, since the run continues from its checkpoint.
 * @param flag The option that named the folder, for messages.
 * @throws Error naming the folder, each setting that differs and the fix.
 */
export function checkRunFolder(dir: string, task: RunTask, flag: string): void {
  const path = join(dir, "settings.json");
  const saved = readJsonFile(path, flag, dir);
  if (saved === undefined) return;
  const skipped = task.resume ? ["epochs", ...OUTCOME_KEYS] : OUTCOME_KEYS;
  const differences = listDifferences(saved, runSettings(task), skipped);
  if (differences.length === 0) return;
  throw new Error(
    `${flag} ${dir}: the folder already contains a run with other settings (${differences.join("; ")}), ` +
      `which this run would overwrite. ${fixFor(differences, task, dir)}.`,
  );
}

/**
 * Checks, before anything is written, that `task` will not overwrite the
 * checkpoint of a run with other settings at the end of its first epoch.
 * With `resume` the run checks the checkpoint itself when it loads it.
 * @throws Error naming the checkpoint, each setting that differs and the fix.
 */
export function checkCheckpointFolder(
  dir: string,
  task: RunTask,
  flag: string,
): void {
  if (task.resume) return;
  const path = join(dir, CHECKPOINT_FILE);
  const saved = readJsonFile(path, flag, dir);
  if (saved === undefined) return;
  const differences = listDifferences(
    (saved.config ?? {}) as Record<string, unknown>,
    task.config as unknown as Record<string, unknown>,
    [],
  );
  if (differences.length === 0) return;
  throw new Error(
    `${flag} ${dir}: ${path} is the checkpoint of a run with other settings (${differences.join("; ")}), ` +
      `which this run would overwrite at the end of its first epoch. ${fixFor(differences, task, path)}.`,
  );
}

/** Returns the JSON object in `path`, or undefined when there is no such file. */
function readJsonFile(
  path: string,
  flag: string,
  dir: string,
): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `${flag} ${dir}: ${path} is not valid JSON (${(error as Error).message}), so the run it belongs to cannot be ` +
        `compared with this one. Choose another folder, or delete ${dir} to replace that run.`,
    );
  }
}

/** Lists the settings in which `saved` and `current` differ, as "key <saved> there, <current> here". */
function listDifferences(
  saved: Record<string, unknown>,
  current: Record<string, unknown>,
  skipped: readonly string[],
): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(current)]);
  const differences: string[] = [];
  for (const key of keys) {
    if (skipped.includes(key) || sameSetting(key, saved[key], current[key]))
      continue;
    const before = JSON.stringify(saved[key]) ?? "unset";
    const now = JSON.stringify(current[key]) ?? "unset";
    differences.push(`${key} ${before} there, ${now} here`);
  }
  return differences;
}

/** Returns the fix: --resume when only the epoch count differs, else another folder. */
function fixFor(differences: string[], task: RunTask, target: string): string {
  const onlyEpochs =
    differences.length === 1 && differences[0].startsWith("epochs ");
  return onlyEpochs
    ? `Pass --resume to continue that run to ${task.config.epochs} epochs, choose another folder, or delete ${target} to start over`
    : `Choose another folder, or delete ${target} to replace that run`;
}

function sameSetting(key: string, a: unknown, b: unknown): boolean {
  if (key === "data" && typeof a === "string" && typeof b === "string") {
    return resolve(a) === resolve(b);
  }
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted, so that key order does not count as a difference. */
function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
            a.localeCompare(b),
          ),
        )
      : inner,
  );
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
