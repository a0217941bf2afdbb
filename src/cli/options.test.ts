import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";

import { checkOutputFolder, parseOptimizerName } from "./options.js";

describe("parseOptimizerName", () => {
  it("takes one name", () => {
    expect(parseOptimizerName("Adam")).toBe("adam");
  });

  it("rejects a list of names", () => {
    expect(() => parseOptimizerName("adam,sgd")).toThrow(InvalidArgumentError);
    expect(() => parseOptimizerName("adam,sgd")).toThrow(
      /must name one optimizer, got 2: "adam", "sgd"\. Run descent compare/,
    );
  });
});

describe("checkOutputFolder", () => {
  const dir = mkdtempSync(join(tmpdir(), "descent-out-"));
  const file = join(dir, "notes.txt");
  writeFileSync(file, "keep me");

  it("accepts a folder that does not exist yet, creating nothing", () => {
    const target = join(dir, "runs", "adam");
    expect(() => checkOutputFolder(target, "--out")).not.toThrow();
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });

  it("accepts an existing folder", () => {
    expect(() => checkOutputFolder(dir, "--out")).not.toThrow();
  });

  it("rejects a file", () => {
    expect(() => checkOutputFolder(file, "--out")).toThrow(
      `--out ${file}: ${file} is a file, not a folder. Choose another folder, or move the file.`,
    );
  });

  it("rejects a folder below a file", () => {
    expect(() => checkOutputFolder(join(file, "run"), "--checkpoint")).toThrow(
      /^--checkpoint .*notes\.txt\/run: .*notes\.txt is a file, not a folder/,
    );
  });
});
