import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { SHIPPED_DATA_DIR } from "../../train/idx.js";
import type { ProgressDisplay } from "../progress.js";
import { runFolder, writeRunFolder } from "../run-folder.js";
import { type CompareSettings, compareTasks, runCompare } from "./compare.js";

const SILENT: ProgressDisplay = {
  start() {},
  update() {},
  epoch() {},
  finish() {},
  fail() {},
  log() {},
  stop() {},
};

describe("runCompare", () => {
  it("keeps a previous run of other settings", async () => {
    const out = mkdtempSync(join(tmpdir(), "descent-compare-"));
    const settings: CompareSettings = {
      data: SHIPPED_DATA_DIR,
      optimizers: ["sgd", "adam"],
      out,
      jobs: 1,
      resume: false,
      model: "logreg",
      epochs: 1,
      batchSize: 128,
      seed: 0,
      backend: "cpu",
      trainLimit: 200,
      testLimit: 100,
    };
    const [, adam] = compareTasks(settings);
    await writeRunFolder(runFolder(out, "adam"), adam, []);
    const previous = readFileSync(
      join(runFolder(out, "adam"), "settings.json"),
      "utf8",
    );

    await expect(runCompare({ ...settings, lr: 0.05 }, SILENT)).rejects.toThrow(
      /^--out .*runs\/adam: the folder already contains a run with other settings \(optimizerOptions \{"lr":0\.001\} there, \{"lr":0\.05\} here\)/,
    );
    expect(
      readFileSync(join(runFolder(out, "adam"), "settings.json"), "utf8"),
    ).toBe(previous);
    expect(existsSync(runFolder(out, "sgd"))).toBe(false);
    expect(existsSync(join(out, "report.html"))).toBe(false);
  });
});
