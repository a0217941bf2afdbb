import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

import { renderCharts } from "./charts.js";
import { removeStaleTemporaries } from "./stale-temporaries.js";
import { buildReportHtml } from "./html.js";
import { buildSummaryMarkdown } from "./summary.js";
import type { EpochMetrics, ReportInput, RunResult } from "./types.js";
import { validateReportInput } from "./validate.js";

/** Paths `writeReport` wrote, all inside its output folder. */
export interface WrittenReport {
  html: string;
  summary: string;
  /** One PNG per chart, keyed by chart id such as `test-accuracy`. */
  charts: Record<string, string>;
}

/**
 * Writes `report.html`, `summary.md` and one PNG per chart into `outDir`,
 * creating the folder if needed.
 *
 * Everything is rendered before the first write, so invalid input changes no
 * file. Each file is written to a temporary name and renamed, so a reader
 * never sees half a file. Other files in `outDir`, such as `metrics.jsonl`,
 * are left alone.
 */
export async function writeReport(
  outDir: string,
  input: ReportInput,
): Promise<WrittenReport> {
  validateReportInput(input);
  const charts = await renderCharts(input);
  const html = buildReportHtml(input, charts);
  const summary = buildSummaryMarkdown(input);

  await mkdir(outDir, { recursive: true });
  const written: WrittenReport = {
    html: join(outDir, "report.html"),
    summary: join(outDir, "summary.md"),
    charts: {},
  };
  for (const chart of charts) {
    const path = join(outDir, `${chart.id}.png`);
    await writeFileAtomic(path, chart.png);
    written.charts[chart.id] = path;
  }
  await writeFileAtomic(written.summary, summary);
  await writeFileAtomic(written.html, html);
  return written;
}

/** Writes `data` to a temporary file beside `path`, then renames it over `path`. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  try {
    // Flushed before the rename, so a power loss leaves the old file or the
    // new one, never a renamed file whose data had not reached the disk.
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    removeStaleTemporaries(dirname(path), basename(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads runs back from `metrics.jsonl` files, so a report can be rebuilt from
 * finished run folders. Each source is a `metrics.jsonl` file or a folder
 * that contains one.
 *
 * Lines are grouped into runs by `optimizer`, and by `label` when a line has
 * one. Lines may also carry `options` (taken from the first line of a run).
 * `metrics.jsonl` has no per-step data, so the runs come back with `steps`
 * empty and the report leaves out its per-step charts.
 * When two sources hold runs of the same label, the later ones are renamed
 * `label (folder name)` so that each run keeps its own colour.
 */
export async function readRunsFromMetrics(
  sources: readonly string[],
): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  const labels = new Set<string>();
  for (const source of sources) {
    const file = (await stat(source)).isDirectory()
      ? join(source, "metrics.jsonl")
      : source;
    const text = await readFile(file, "utf8");
    for (const run of parseMetricsJsonl(text, file)) {
      const label = run.label ?? run.optimizer;
      if (labels.has(label)) {
        run.label = `${label} (${basename(dirname(file))})`;
      }
      labels.add(run.label ?? label);
      runs.push(run);
    }
  }
  return runs;
}

/**
 * Parses the lines of a `metrics.jsonl` file into runs, in order of first
 * appearance. `source` names the file in error messages. A loss or accuracy
 * of `null` (how JSON stores NaN) is read as NaN.
 */
export function parseMetricsJsonl(text: string, source: string): RunResult[] {
  const runs = new Map<string, RunResult>();
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") {
      return;
    }
    const where = `${source}, line ${index + 1}`;
    const record = parseLine(line, where);
    const optimizer = requireString(record.optimizer, `${where}: optimizer`);
    const label =
      record.label === undefined
        ? undefined
        : requireString(record.label, `${where}: label`);
    const key = label ?? optimizer;

    let run = runs.get(key);
    if (run === undefined) {
      const options = isObject(record.options) ? record.options : {};
      run = {
        optimizer,
        ...(label === undefined ? {} : { label }),
        options,
        epochs: [],
        steps: [],
      };
      runs.set(key, run);
    }
    run.epochs.push(epochMetrics(record, where));
  });
  return [...runs.values()];
}

function parseLine(line: string, where: string): Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw new SyntaxError(
      `${where}: invalid JSON (${(error as Error).message}). Each line must be one JSON object.`,
    );
  }
  if (!isObject(record)) {
    throw new TypeError(
      `${where}: expected a JSON object, got ${JSON.stringify(record)}.`,
    );
  }
  return record;
}

function epochMetrics(
  record: Record<string, unknown>,
  where: string,
): EpochMetrics {
  return {
    epoch: requireNumber(record.epoch, `${where}: epoch`),
    trainLoss: numberOrNaN(record.trainLoss, `${where}: trainLoss`),
    testLoss: numberOrNaN(record.testLoss, `${where}: testLoss`),
    testAccuracy: numberOrNaN(record.testAccuracy, `${where}: testAccuracy`),
    seconds: requireNumber(record.seconds, `${where}: seconds`),
  };
}

function numberOrNaN(value: unknown, name: string): number {
  return value === null ? Number.NaN : requireNumber(value, name);
}

function requireNumber(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be a number, got ${JSON.stringify(value) ?? "nothing"}.`,
    );
  }
  return value;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(
      `${name} must be a non-empty string, got ${JSON.stringify(value) ?? "nothing"}.`,
    );
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
