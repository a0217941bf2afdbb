import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
  mkdir,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  PNG_SIGNATURE,
  pngSize,
  syntheticReport,
} from "../../test/helpers/report-input.js";
import {
  parseMetricsJsonl,
  readRunsFromMetrics,
  writeFileAtomic,
  writeReport,
} from "./write.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "descent-report-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CHART_FILES = [
  "effective-lr.png",
  "loss-per-epoch.png",
  "loss-per-step.png",
  "lr-per-step.png",
  "test-accuracy.png",
  "time-per-epoch.png",
];

describe("writeReport", () => {
  it("writes the page, the summary and every chart", async () => {
    const out = join(dir, "nested", "out");
    const written = await writeReport(out, syntheticReport());

    const files = (await readdir(out)).sort();
    expect(files).toEqual([...CHART_FILES, "report.html", "summary.md"].sort());
    expect(written.html).toBe(join(out, "report.html"));
    expect(Object.keys(written.charts).sort()).toEqual(
      CHART_FILES.map((file) => file.replace(".png", "")).sort(),
    );

    for (const file of CHART_FILES) {
      const png = await readFile(join(out, file));
      expect([...png.subarray(0, 8)], file).toEqual(PNG_SIGNATURE);
      expect(pngSize(png).width, file).toBeGreaterThan(1200);
    }
    const summary = await readFile(join(out, "summary.md"), "utf8");
    expect(summary.trimEnd().split("\n")).toHaveLength(7);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html.match(/<figure /g)).toHaveLength(6);
  });

  it("keeps other files in the folder", async () => {
    await writeFile(join(dir, "metrics.jsonl"), "{}\n");
    await writeReport(dir, syntheticReport());
    expect(await readFile(join(dir, "metrics.jsonl"), "utf8")).toBe("{}\n");
  });

  it("writes nothing for invalid input", async () => {
    const input = syntheticReport();
    input.runs[0].epochs[0].testAccuracy = 91;
    const out = join(dir, "out");
    await expect(writeReport(out, input)).rejects.toThrow(
      /testAccuracy must be a fraction/,
    );
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});

describe("writeFileAtomic", () => {
  it("replaces the file and leaves no temporary file", async () => {
    const path = join(dir, "a.txt");
    await writeFileAtomic(path, "old");
    await writeFileAtomic(path, "new");
    expect(await readFile(path, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["a.txt"]);
  });

  it("removes the temporary file when the rename fails", async () => {
    const target = join(dir, "target");
    await mkdir(join(target, "inside"), { recursive: true });
    await expect(writeFileAtomic(target, "data")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
  });
});

const LINES = [
  {
    optimizer: "sgd",
    epoch: 1,
    trainLoss: 0.9,
    testLoss: 0.8,
    testAccuracy: 0.7,
    seconds: 2,
    options: { lr: 0.1 },
  },
  {
    optimizer: "adam",
    epoch: 1,
    trainLoss: 0.5,
    testLoss: 0.6,
    testAccuracy: 0.8,
    seconds: 3,
  },
  {
    optimizer: "sgd",
    epoch: 2,
    trainLoss: null,
    testLoss: null,
    testAccuracy: null,
    seconds: 2.5,
  },
];

describe("parseMetricsJsonl", () => {
  it("groups lines into runs in order of appearance", () => {
    const text = LINES.map((line) => JSON.stringify(line)).join("\n") + "\n";
    const runs = parseMetricsJsonl(text, "metrics.jsonl");
    expect(runs.map((run) => run.optimizer)).toEqual(["sgd", "adam"]);
    expect(runs[0].options).toEqual({ lr: 0.1 });
    expect(runs[0].steps).toEqual([]);
    expect(runs[0].epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(runs[0].epochs[1].trainLoss).toBeNaN();
    expect(runs[0].epochs[1].testAccuracy).toBeNaN();
    expect(runs[1].epochs[0]).toEqual({
      epoch: 1,
      trainLoss: 0.5,
      testLoss: 0.6,
      testAccuracy: 0.8,
      seconds: 3,
    });
  });

  it("keeps runs with different labels apart", () => {
    const text = [
      { ...LINES[0], label: "sgd lr=0.1" },
      { ...LINES[0], label: "sgd lr=0.01" },
    ]
      .map((line) => JSON.stringify(line))
      .join("\n");
    const runs = parseMetricsJsonl(text, "m");
    expect(runs.map((run) => run.label)).toEqual(["sgd lr=0.1", "sgd lr=0.01"]);
  });

  it.each([
    ["invalid JSON", "{", /m, line 1: invalid JSON/],
    ["an array", "[1]", /m, line 1: expected a JSON object, got \[1\]/],
    [
      "a missing optimizer",
      '{"epoch":1}',
      /m, line 1: optimizer must be a non-empty string, got nothing/,
    ],
    [
      "a string epoch",
      '{"optimizer":"sgd","epoch":"1"}',
      /m, line 1: epoch must be a number, got "1"/,
    ],
  ])("rejects %s", (_, text, message) => {
    expect(() => parseMetricsJsonl(text, "m")).toThrow(message);
  });

  it("names the line of a bad record", () => {
    const text = `${JSON.stringify(LINES[0])}\n\n{"optimizer":"sgd","epoch":2,"seconds":"x"}`;
    expect(() => parseMetricsJsonl(text, "m")).toThrow(
      /m, line 3: trainLoss must be a number/,
    );
  });
});

describe("readRunsFromMetrics", () => {
  it("reads run folders and renames repeated labels", async () => {
    for (const name of ["seed-1", "seed-2"]) {
      await mkdir(join(dir, name));
      await writeFile(
        join(dir, name, "metrics.jsonl"),
        JSON.stringify(LINES[1]) + "\n",
      );
    }
    const runs = await readRunsFromMetrics([
      join(dir, "seed-1"),
      join(dir, "seed-2", "metrics.jsonl"),
    ]);
    expect(runs.map((run) => run.label ?? run.optimizer)).toEqual([
      "adam",
      "adam (seed-2)",
    ]);
  });

  it("feeds writeReport", async () => {
    await writeFile(
      join(dir, "metrics.jsonl"),
      LINES.map((l) => JSON.stringify(l)).join("\n"),
    );
    const runs = await readRunsFromMetrics([dir]);
    const written = await writeReport(join(dir, "report"), {
      title: "Rebuilt",
      settings: {},
      runs,
    });
    expect(Object.keys(written.charts)).toEqual([
      "loss-per-epoch",
      "test-accuracy",
      "time-per-epoch",
    ]);
  });
});
