import { describe, expect, it } from "vitest";

import {
  syntheticReport,
  syntheticRun,
} from "../../test/helpers/report-input.js";
import {
  buildSummaryMarkdown,
  formatLoss,
  formatPercent,
  lossDecimals,
  summarizeRun,
  summaryRows,
} from "./summary.js";
import type { RunResult } from "./types.js";

function run(epochs: [number, number, number][]): RunResult {
  return {
    optimizer: "adam",
    options: {},
    steps: [],
    epochs: epochs.map(([trainLoss, testAccuracy, seconds], index) => ({
      epoch: index + 1,
      trainLoss,
      testLoss: trainLoss,
      testAccuracy,
      seconds,
    })),
  };
}

describe("summarizeRun", () => {
  it("takes the last loss, the best accuracy and the total time", () => {
    const summary = summarizeRun(
      run([
        [0.9, 0.8, 1.5],
        [0.5, 0.88, 2],
        [0.4, 0.86, 2.25],
      ]),
    );
    expect(summary.finalTrainLoss).toBe(0.4);
    expect(summary.bestTestAccuracy).toBe(0.88);
    expect(summary.bestEpoch).toBe(2);
    expect(summary.totalSeconds).toBe(5.75);
    expect(summary.epochs).toBe(3);
  });

  it("keeps the first epoch on a tie", () => {
    const summary = summarizeRun(
      run([
        [0.9, 0.85, 1],
        [0.5, 0.85, 1],
      ]),
    );
    expect(summary.bestEpoch).toBe(1);
  });

  it("skips NaN accuracies of a diverged run", () => {
    const summary = summarizeRun(
      run([
        [0.9, 0.7, 1],
        [Number.NaN, Number.NaN, 1],
      ]),
    );
    expect(summary.finalTrainLoss).toBeNaN();
    expect(summary.bestTestAccuracy).toBe(0.7);
    expect(summary.bestEpoch).toBe(1);
  });

  it("reports NaN for a run without epochs", () => {
    const summary = summarizeRun(run([]));
    expect(summary.finalTrainLoss).toBeNaN();
    expect(summary.bestTestAccuracy).toBeNaN();
    expect(summary.bestEpoch).toBeNull();
    expect(summary.totalSeconds).toBe(0);
  });
});

describe("formatLoss and formatPercent", () => {
  it.each([
    [0.234567, 4, "0.2346"],
    [0.276, 4, "0.2760"],
    [2.302585, 4, "2.3026"],
    [0.000012346, 8, "0.00001235"],
    [Number.NaN, 4, "NaN"],
    [Number.POSITIVE_INFINITY, 4, "Infinity"],
  ])("formats loss %s with %i decimals as %s", (loss, decimals, text) => {
    expect(formatLoss(loss, decimals)).toBe(text);
  });

  it.each([
    [0.91234, "91.23%"],
    [1, "100.00%"],
    [0.9, "90.00%"],
    [Number.NaN, "n/a"],
  ])("formats accuracy %s as %s", (fraction, text) => {
    expect(formatPercent(fraction)).toBe(text);
  });
});

describe("lossDecimals", () => {
  it.each([
    [[0.276, 0.29531, 2.3], 4],
    [[0.0312, 1.2], 5],
    [[0.000012346, 0.5], 8],
    [[1e-12, 0.5], 8],
    [[1234.5, 20], 4],
    [[Number.NaN, 0, 0.05], 5],
    [[Number.NaN, Number.POSITIVE_INFINITY], 4],
    [[], 4],
  ])("gives losses %j %i decimals", (losses, decimals) => {
    expect(lossDecimals(losses)).toBe(decimals);
  });
});

describe("summaryRows", () => {
  it("gives every loss in the column the same decimals", () => {
    const rows = summaryRows([
      summarizeRun(run([[0.276, 0.9, 1]])),
      summarizeRun(run([[0.29531, 0.885, 1.2]])),
      summarizeRun(run([[Number.NaN, Number.NaN, 2]])),
    ]);
    expect(rows.map((row) => row[1])).toEqual(["0.2760", "0.2953", "NaN"]);
    expect(rows.map((row) => row[2])).toEqual(["90.00%", "88.50%", "n/a"]);
    expect(rows.map((row) => row[4])).toEqual(["1.0", "1.2", "2.0"]);
  });
});

describe("buildSummaryMarkdown", () => {
  it("writes a header, an alignment row and one row per run", () => {
    const lines = buildSummaryMarkdown(syntheticReport()).trimEnd().split("\n");
    expect(lines[0]).toBe("# Synthetic comparison");
    expect(lines[2]).toBe(
      "| Optimizer | Final training loss | Best test accuracy | Best epoch | Total time (s) |",
    );
    expect(lines[3]).toBe("| --- | ---: | ---: | ---: | ---: |");
    expect(lines.slice(4).map((line) => line.split(" | ")[0])).toEqual([
      "| sgd",
      "| adam",
      "| adabound",
    ]);
  });

  it("fills each row from the run's epochs", () => {
    // syntheticRun: trainLoss = 2.3·e^(−rate·epoch) + 0.2 at epoch 4, accuracy
    // 0.9 − 0.5·e^(−rate·epoch), seconds 1.1 + 1.2 + 1.3 + 1.4.
    const sgd = syntheticRun("sgd", 0.4, false);
    const markdown = buildSummaryMarkdown({
      title: "t",
      settings: {},
      runs: [sgd],
    });
    const loss = (2.3 * Math.exp(-1.6) + 0.2).toFixed(4);
    const accuracy = ((0.9 - 0.5 * Math.exp(-1.6)) * 100).toFixed(2);
    expect(markdown).toContain(`| sgd | ${loss} | ${accuracy}% | 4 | 5.0 |`);
  });

  it("escapes pipes in labels", () => {
    const sgd = { ...syntheticRun("sgd", 0.4, false), label: "sgd | lr=0.1" };
    const markdown = buildSummaryMarkdown({
      title: "t",
      settings: {},
      runs: [sgd],
    });
    const row = markdown.split("\n").find((line) => line.startsWith("| sgd"))!;
    expect(row.startsWith("| sgd \\| lr=0.1 | ")).toBe(true);
    expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
  });
});
