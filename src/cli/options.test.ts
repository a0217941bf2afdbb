import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";

import {
  checkOutputFolder,
  integerAtLeast,
  outputFolder,
  parseBatchSize,
  parseDecimal,
  parseExistingFolder,
  parseLearningRate,
  parseNonNegative,
  parseOptimizerName,
  parseRunFolder,
} from "./options.js";

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

describe("number parsers", () => {
  it("take decimal notation", () => {
    expect(parseLearningRate("1e-3")).toBe(0.001);
    expect(parseLearningRate(" .5 ")).toBe(0.5);
    expect(parseNonNegative("0")).toBe(0);
    expect(parseDecimal("-2.5E2")).toBe(-250);
  });

  it("turn negative zero into zero", () => {
    expect(Object.is(parseNonNegative("-0"), 0)).toBe(true);
    expect(Object.is(integerAtLeast(0, 0)("-0"), 0)).toBe(true);
  });

  for (const text of ["0x10", "0b1", "0o7", "", " ", "1_000", "Infinity"]) {
    it(`reject ${JSON.stringify(text)} as a learning rate`, () => {
      expect(() => parseLearningRate(text)).toThrow(InvalidArgumentError);
      expect(() => parseLearningRate(text)).toThrow(
        `must be a decimal number > 0, got "${text}". Try 0.001.`,
      );
    });
  }

  it("reject hexadecimal weight decay", () => {
    expect(() => parseNonNegative("0x1")).toThrow(
      'must be a decimal number >= 0, got "0x1". Try 0.0001.',
    );
  });

  it("reject a batch size past 2^53 - 1", () => {
    expect(() => parseBatchSize("99999999999999999999")).toThrow(
      /must be a positive integer or "full", got "99999999999999999999"/,
    );
    expect(parseBatchSize("128")).toBe(128);
  });
});

describe("folder parsers", () => {
  const dir = mkdtempSync(join(tmpdir(), "descent-folders-"));
  const file = join(dir, "notes.txt");
  writeFileSync(file, "keep me");

  it("reject an empty output folder", () => {
    expect(() => outputFolder("out/train")("")).toThrow(InvalidArgumentError);
    expect(() => outputFolder("out/train")(" ")).toThrow(
      'must name a folder, got " ". Try out/train.',
    );
    expect(() => checkOutputFolder("", "--out")).toThrow(
      '--out "": the folder name is empty. Name the folder to write to.',
    );
  });

  it("name a file given as a data folder", () => {
    expect(() => parseExistingFolder(file)).toThrow(
      `"${file}" is a file, not a folder. Give a folder holding the four MNIST-format IDX files`,
    );
    expect(() => parseExistingFolder(join(dir, "none"))).toThrow(
      /^folder ".*none" does not exist\. Give a folder/,
    );
  });

  it("name a file given as a run folder", () => {
    expect(() => parseRunFolder(file)).toThrow(
      `"${file}" is a file, not a folder. Pass folders that descent train or descent compare wrote`,
    );
  });
});
