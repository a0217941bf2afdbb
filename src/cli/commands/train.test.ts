import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Command } from "commander";
import { describe, expect, it } from "vitest";

import { writeRunFolder } from "../run-folder.js";
import { registerTrain, trainTask } from "./train.js";

/** Runs `descent train ARGS` in this process. */
async function train(...args: string[]): Promise<void> {
  const program = new Command("descent")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerTrain(program);
  await program.parseAsync(["node", "descent", "train", ...args]);
}

const SMALL = ["--model", "logreg", "--epochs", "1", "--backend", "cpu"];

describe("descent train", () => {
  const base = mkdtempSync(join(tmpdir(), "descent-train-"));

  it("keeps a previous run of other settings", async () => {
    const out = join(base, "previous");
    const flags = {
      optimizer: "sgd",
      out,
      resume: false,
      model: "logreg" as const,
      epochs: 1,
      batchSize: 128,
      seed: 0,
      backend: "cpu" as const,
    };
    await writeRunFolder(out, trainTask(flags), []);
    const settings = readFileSync(join(out, "settings.json"), "utf8");

    await expect(
      train("--optimizer", "adam", "--out", out, ...SMALL),
    ).rejects.toThrow(
      /^--out .*previous: the folder already contains a run with other settings \(label "sgd" there, "adam" here; optimizer "sgd" there, "adam" here; optimizerOptions \{"lr":0\.1\} there, \{"lr":0\.001\} here\), which this run would overwrite\./,
    );
    expect(readFileSync(join(out, "settings.json"), "utf8")).toBe(settings);
    expect(existsSync(join(out, "checkpoint"))).toBe(false);
  });

  for (const flag of ["--out", "--checkpoint"]) {
    it(`rejects an empty ${flag}`, async () => {
      await expect(
        train("--optimizer", "sgd", flag, "", ...SMALL),
      ).rejects.toThrow(
        `option '${flag} <dir>' argument '' is invalid. must name a folder, got "".`,
      );
    });
  }
});
