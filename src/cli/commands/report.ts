import { basename, resolve } from "node:path";
import type { Command } from "commander";

import type { RunResult, SettingValue } from "../../report/types.js";
import { writeReport } from "../../report/write.js";
import { checkOutputFolder, outputFolder, parseRunFolder } from "../options.js";
import { readRunFolder, readRunSettings } from "../run-folder.js";

/**
 * Returns the settings every run shares, so the report's settings table
 * shows them once; settings that differ between runs are left out.
 */
function sharedSettings(dirs: readonly string[]): Record<string, SettingValue> {
  const all = dirs.map((dir) => readRunSettings(dir) ?? {});
  const shared: Record<string, SettingValue> = { runs: dirs.length };
  for (const [key, value] of Object.entries(all[0] ?? {})) {
    if (["label", "optimizer", "optimizerOptions"].includes(key)) continue;
    const text = typeof value === "object" ? JSON.stringify(value) : value;
    const same = all.every((settings) => {
      const other = settings[key];
      return (
        (typeof other === "object" ? JSON.stringify(other) : other) === text
      );
    });
    if (same && text !== undefined) shared[key] = text as SettingValue;
  }
  return shared;
}

/** Builds a report from run folders, labelling runs of the same optimizer by folder name. */
export async function buildReportFromRuns(
  dirs: readonly string[],
  out: string,
): Promise<string> {
  const runs: RunResult[] = [];
  const labels = new Set<string>();
  for (const dir of dirs) {
    const run = readRunFolder(dir);
    let label = run.label ?? run.optimizer;
    if (labels.has(label)) label = `${label} (${basename(resolve(dir))})`;
    labels.add(label);
    runs.push({ ...run, label });
  }
  const written = await writeReport(out, {
    title: "descent report",
    settings: sharedSettings(dirs),
    runs,
  });
  return written.html;
}

/**
 * Registers `descent report`, which builds a report from run folders that
 * `descent train` jobs wrote, on this machine or on a batch scheduler's nodes.
 */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "build report.html, summary.md and charts from run folders written by descent train or compare",
    )
    .argument(
      "<runs...>",
      "run folders, each with metrics.jsonl (and steps.jsonl)",
    )
    .option(
      "--out <dir>",
      "output folder",
      outputFolder("out/report"),
      "out/report",
    )
    .action(async (runs: string[], flags: { out: string }) => {
      const dirs = runs.map((dir) => parseRunFolder(dir));
      checkOutputFolder(flags.out, "--out");
      const html = await buildReportFromRuns(dirs, flags.out);
      process.stderr.write(`Report: ${resolve(html)}\n`);
    });
}
