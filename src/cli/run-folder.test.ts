import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import type { RunTask } from "./execute-run.js";
import {
  checkCheckpointFolder,
  checkRunFolder,
  writeRunFolder,
} from "./run-folder.js";

function task(overrides: Partial<RunTask["config"]> = {}, resume = false) {
  return {
    label: "sgd",
    config: {
      model: "logreg",
      optimizer: "sgd",
      optimizerOptions: { lr: 0.1 },
      seed: 0,
      epochs: 2,
      batchSize: 128,
      ...overrides,
    },
    dataDir: "data/fashion-mnist",
    backend: "cpu",
    checkpointDir: "unused",
    resume,
  } satisfies RunTask;
}

const EPOCH = {
  optimizer: "sgd",
  epoch: 1,
  trainLoss: 1,
  testLoss: 1,
  testAccuracy: 0.5,
  seconds: 1,
};

describe("checkRunFolder", () => {
  const base = mkdtempSync(join(tmpdir(), "descent-run-folder-"));

  async function previousRun(name: string): Promise<string> {
    const dir = join(base, name);
    await writeRunFolder(dir, task(), [EPOCH], {
      label: "sgd",
      epochs: [EPOCH],
      steps: [],
      batchSize: 128,
      regime: "minibatch",
      trainCount: 200,
      testCount: 100,
    });
    return dir;
  }

  it("accepts a new folder and a run of the same settings", async () => {
    const dir = await previousRun("same");
    expect(() =>
      checkRunFolder(join(base, "new"), task(), "--out"),
    ).not.toThrow();
    expect(() => checkRunFolder(dir, task(), "--out")).not.toThrow();
  });

  it("rejects a run of other settings, naming each", async () => {
    const dir = await previousRun("other");
    const before = readFileSync(join(dir, "metrics.jsonl"), "utf8");
    const adam = { ...task({ optimizer: "adam" }), label: "adam" };
    expect(() => checkRunFolder(dir, adam, "--out")).toThrow(
      `--out ${dir}: the folder already contains a run with other settings ` +
        `(label "sgd" there, "adam" here; optimizer "sgd" there, "adam" here), ` +
        `which this run would overwrite. Choose another folder, or delete ${dir} to replace that run.`,
    );
    expect(readFileSync(join(dir, "metrics.jsonl"), "utf8")).toBe(before);
  });

  it("offers --resume when only the epochs differ", async () => {
    const dir = await previousRun("longer");
    expect(() => checkRunFolder(dir, task({ epochs: 5 }), "--out")).toThrow(
      `(epochs 2 there, 5 here), which this run would overwrite. ` +
        `Pass --resume to continue that run to 5 epochs`,
    );
    expect(() =>
      checkRunFolder(dir, task({ epochs: 5 }, true), "--out"),
    ).not.toThrow();
    expect(() =>
      checkRunFolder(dir, task({ epochs: 5, seed: 1 }, true), "--out"),
    ).toThrow(/\(seed 0 there, 1 here\)/);
  });

  it("rejects settings that are not JSON", () => {
    const dir = join(base, "broken");
    mkdirSync(dir);
    writeFileSync(join(dir, "settings.json"), "{");
    expect(() => checkRunFolder(dir, task(), "--out")).toThrow(
      /settings\.json is not valid JSON \(.*\), so the run it belongs to cannot be compared with this one\./,
    );
  });
});

describe("checkCheckpointFolder", () => {
  const dir = mkdtempSync(join(tmpdir(), "descent-checkpoint-folder-"));
  writeFileSync(
    join(dir, "checkpoint.json"),
    JSON.stringify({ config: task().config }),
  );

  it("accepts the checkpoint of the same settings", () => {
    expect(() =>
      checkCheckpointFolder(dir, task(), "--checkpoint"),
    ).not.toThrow();
  });

  it("rejects the checkpoint of other settings", () => {
    const other = task({ optimizerOptions: { lr: 0.5 } });
    expect(() => checkCheckpointFolder(dir, other, "--checkpoint")).toThrow(
      `--checkpoint ${dir}: ${join(dir, "checkpoint.json")} is the checkpoint of a run with other settings ` +
        `(optimizerOptions {"lr":0.1} there, {"lr":0.5} here), which this run would overwrite at the end of its first epoch.`,
    );
  });

  it("leaves the check to the run when resuming", () => {
    const other = task({ optimizerOptions: { lr: 0.5 } }, true);
    expect(() =>
      checkCheckpointFolder(dir, other, "--checkpoint"),
    ).not.toThrow();
  });
});
