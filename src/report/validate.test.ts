import { describe, expect, it } from "vitest";

import { syntheticReport } from "../../test/helpers/report-input.js";
import type { ReportInput } from "./types.js";
import { validateReportInput } from "./validate.js";

type Mutation = (input: ReportInput) => void;

describe("validateReportInput", () => {
  it("accepts the synthetic report", () => {
    expect(() => validateReportInput(syntheticReport())).not.toThrow();
  });

  it("accepts NaN losses and accuracies of a diverged run", () => {
    const input = syntheticReport();
    Object.assign(input.runs[0].epochs[3], {
      trainLoss: NaN,
      testLoss: NaN,
      testAccuracy: NaN,
    });
    input.runs[0].steps[5].loss = Infinity;
    expect(() => validateReportInput(input)).not.toThrow();
  });

  it.each<[string, Mutation, RegExp]>([
    ["no runs", (i) => (i.runs = []), /Report has no runs/],
    [
      "a title that is not a string",
      (i) => ((i as { title: unknown }).title = 3),
      /title must be a string, got 3/,
    ],
    [
      "an empty optimizer",
      (i) => (i.runs[0].optimizer = ""),
      /optimizer must be a non-empty string/,
    ],
    [
      "duplicate labels",
      (i) => (i.runs[2].label = "adam"),
      /Two runs are labelled "adam"/,
    ],
    [
      "missing steps",
      (i) => delete (i.runs[0] as Partial<ReportInput["runs"][0]>).steps,
      /needs arrays `epochs` and `steps`/,
    ],
    [
      "epoch 0",
      (i) => (i.runs[0].epochs[0].epoch = 0),
      /run "sgd", epoch 0: epoch must be an integer greater than 0/,
    ],
    [
      "repeated epochs",
      (i) => (i.runs[1].epochs[1].epoch = 1),
      /run "adam", epoch 1: epoch must be an integer greater than 1/,
    ],
    [
      "accuracy in percent",
      (i) => (i.runs[0].epochs[2].testAccuracy = 87.5),
      /testAccuracy must be a fraction from 0 to 1, got 87.5: divide a percentage by 100/,
    ],
    [
      "negative seconds",
      (i) => (i.runs[0].epochs[0].seconds = -1),
      /seconds must be a finite number >= 0, got -1/,
    ],
    [
      "a string loss",
      (i) =>
        ((i.runs[0].epochs[0] as { trainLoss: unknown }).trainLoss = "0.5"),
      /trainLoss must be a number/,
    ],
    [
      "steps out of order",
      (i) => (i.runs[0].steps[3].step = 2),
      /step 2: step must be an integer greater than 3/,
    ],
    [
      "a negative lr",
      (i) => (i.runs[0].steps[0].lr = -0.1),
      /step 1: lr must be a finite number >= 0, got -0.1/,
    ],
    [
      "a NaN effective lr",
      (i) => (i.runs[1].steps[0].effectiveLr = NaN),
      /effectiveLr must be a finite number >= 0, got NaN/,
    ],
  ])("rejects %s", (_, mutate, message) => {
    const input = syntheticReport();
    mutate(input);
    expect(() => validateReportInput(input)).toThrow(message);
  });
});
