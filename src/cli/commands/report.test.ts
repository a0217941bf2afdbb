import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Command } from "commander";
import { describe, expect, it } from "vitest";

import { registerReport } from "./report.js";

/** Runs `descent report ARGS` in this process. */
async function report(...args: string[]): Promise<void> {
  const program = new Command("descent")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerReport(program);
  await program.parseAsync(["node", "descent", "report", ...args]);
}

describe("descent report options", () => {
  const dir = mkdtempSync(join(tmpdir(), "descent-report-"));
  const file = join(dir, "notes.txt");
  writeFileSync(file, "keep me");

  it("rejects an output folder that is a file", async () => {
    await expect(report(dir, "--out", file)).rejects.toThrow(
      `--out ${file}: ${file} is a file, not a folder. Choose another folder, or move the file.`,
    );
  });

  it("rejects an empty output folder", async () => {
    await expect(report(dir, "--out", "")).rejects.toThrow(
      `must name a folder, got "". Try out/report.`,
    );
  });

  it("names a file given as a run folder", async () => {
    await expect(report(file)).rejects.toThrow(
      `"${file}" is a file, not a folder. Pass folders that descent train or descent compare wrote`,
    );
  });
});
