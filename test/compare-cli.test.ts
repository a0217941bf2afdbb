import {
  existsSync,
  rmSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  copyFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { launchChromium } from "./helpers/browser.js";
import { runCli, startCli } from "./helpers/cli.js";

const SHIPPED = join(import.meta.dirname, "..", "data", "fashion-mnist");
const temporaries: string[] = [];

/** Makes a temporary folder that afterAll removes. */
function temporaryFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaries.push(dir);
  return dir;
}
const OPTIMIZERS = ["sgd", "adam", "adabound"];
const EPOCHS = 2;
let out: string;
let result: ReturnType<typeof runCli>;

beforeAll(() => {
  out = join(temporaryFolder("descent-compare-"), "out");
  result = runCli([
    "compare",
    "--optimizers",
    OPTIMIZERS.join(","),
    "--epochs",
    String(EPOCHS),
    "--train-limit",
    "1200",
    "--test-limit",
    "300",
    "--jobs",
    "2",
    "--out",
    out,
  ]);
});

describe("descent compare end to end", () => {
  it("exits with 0", () => {
    expect(result.stderr).toContain("Report:");
    expect(result.status).toBe(0);
  });

  it("writes one metrics line per optimizer and epoch", () => {
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(OPTIMIZERS.length * EPOCHS);
    for (const line of lines) {
      expect(OPTIMIZERS).toContain(line.optimizer);
      expect(line.epoch).toBeGreaterThanOrEqual(1);
      for (const key of ["trainLoss", "testLoss", "testAccuracy", "seconds"]) {
        expect(typeof line[key], key).toBe("number");
        expect(Number.isFinite(line[key]), key).toBe(true);
      }
      expect(line.testAccuracy).toBeGreaterThan(0.1);
      expect(line.testAccuracy).toBeLessThanOrEqual(1);
    }
  });

  it("writes a summary table with a row per optimizer", () => {
    const summary = readFileSync(join(out, "summary.md"), "utf8");
    for (const name of OPTIMIZERS)
      expect(summary).toMatch(new RegExp(`^\\| ${name} `, "m"));
  });

  it("writes every chart as a PNG", () => {
    const pngs = readdirSync(out)
      .filter((file) => file.endsWith(".png"))
      .sort();
    expect(pngs).toEqual([
      "effective-lr.png",
      "loss-per-epoch.png",
      "loss-per-step.png",
      "lr-per-step.png",
      "test-accuracy.png",
      "time-per-epoch.png",
    ]);
    for (const png of pngs) {
      const bytes = readFileSync(join(out, png));
      expect(bytes.subarray(1, 4).toString("latin1"), png).toBe("PNG");
    }
  });

  it("writes a self-contained run folder per optimizer", () => {
    for (const name of OPTIMIZERS) {
      const dir = join(out, "runs", name);
      for (const file of [
        "settings.json",
        "metrics.jsonl",
        "steps.jsonl",
        "checkpoint/checkpoint.json",
      ]) {
        expect(existsSync(join(dir, file)), `${name}/${file}`).toBe(true);
      }
      const steps = readFileSync(join(dir, "steps.jsonl"), "utf8")
        .trim()
        .split("\n");
      expect(steps).toHaveLength(EPOCHS * Math.ceil(1200 / 128));
    }
  });

  it("shows every chart in the report in a real browser", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({
        viewport: { width: 1200, height: 900 },
      });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(pathToFileURL(join(out, "report.html")).href);
      const charts = page.locator("svg");
      const count = await charts.count();
      expect(count).toBeGreaterThanOrEqual(6);
      for (let i = 0; i < count; i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(100);
        expect(box?.height ?? 0).toBeGreaterThan(50);
      }
      for (const name of OPTIMIZERS)
        await expect(page.getByText(name).first().isVisible()).resolves.toBe(
          true,
        );
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe("descent report", () => {
  it("builds a report from run folders", () => {
    const reportOut = join(temporaryFolder("descent-report-"), "report");
    const built = runCli([
      "report",
      join(out, "runs", "sgd"),
      join(out, "runs", "adam"),
      "--out",
      reportOut,
    ]);
    expect(built.status).toBe(0);
    const summary = readFileSync(join(reportOut, "summary.md"), "utf8");
    expect(summary).toMatch(/^\| sgd /m);
    expect(summary).toMatch(/^\| adam /m);
    expect(summary).not.toMatch(/^\| adabound /m);
    expect(existsSync(join(reportOut, "loss-per-step.png"))).toBe(true);
    expect(readFileSync(join(reportOut, "report.html"), "utf8")).toContain(
      "mlp",
    );
  });

  it("labels two runs of one optimizer by folder", () => {
    const reportOut = join(temporaryFolder("descent-report-twice-"), "report");
    const built = runCli([
      "report",
      join(out, "runs", "adam"),
      join(out, "runs", "adam"),
      "--out",
      reportOut,
    ]);
    expect(built.status).toBe(0);
    expect(readFileSync(join(reportOut, "summary.md"), "utf8")).toMatch(
      /adam \(adam\)/,
    );
  });

  it("rejects a folder without metrics", () => {
    const empty = temporaryFolder("descent-report-empty-");
    const bad = runCli(["report", empty, "--out", join(empty, "out")]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/has no metrics\.jsonl/);
  });
});

describe("descent compare input errors", () => {
  it("lists the valid optimizers for an unknown one", () => {
    const bad = runCli(["compare", "--optimizers", "adam,adamm"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(
      /unknown optimizer "adamm"\. Valid names: sgd, momentum/,
    );
  });

  it("rejects a missing data folder", () => {
    const bad = runCli(["compare", "--data", "/nonexistent/folder"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/folder "\/nonexistent\/folder" does not exist/);
  });

  it("names a truncated data file", () => {
    const dir = temporaryFolder("descent-bad-data-");
    for (const file of readdirSync(SHIPPED).filter((f) => f.endsWith(".gz")))
      copyFileSync(join(SHIPPED, file), join(dir, file));
    const labels = join(dir, "t10k-labels-idx1-ubyte.gz");
    writeFileSync(labels, readFileSync(labels).subarray(0, 40));
    const bad = runCli([
      "compare",
      "--data",
      dir,
      "--optimizers",
      "sgd",
      "--epochs",
      "1",
      "--out",
      join(dir, "out"),
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("t10k-labels-idx1-ubyte.gz");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("rejects a batch size larger than the training set", () => {
    const bad = runCli([
      "compare",
      "--optimizers",
      "sgd",
      "--train-limit",
      "100",
      "--batch-size",
      "500",
      "--out",
      join(tmpdir(), "never"),
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(
      /--batch-size 500 is larger than the 100 training images/,
    );
  });

  it("rejects a batch size that is not a number or full", () => {
    const bad = runCli(["compare", "--batch-size", "half"]);
    expect(bad.stderr).toMatch(
      /must be a positive integer or "full", got "half"/,
    );
  });
});

describe("descent train extras", () => {
  it("follows a warm-up and cosine schedule, recording the rate of each step", () => {
    const dir = join(temporaryFolder("descent-train-extras-"), "run");
    const run = runCli([
      "train",
      "--optimizer",
      "sgd",
      "--lr",
      "0.1",
      "--epochs",
      "2",
      "--train-limit",
      "512",
      "--test-limit",
      "100",
      "--batch-size",
      "64",
      "--schedule",
      "cosine",
      "--warmup",
      "2",
      "--clip-norm",
      "1",
      "--accumulate",
      "2",
      "--out",
      dir,
    ]);
    expect(run.status).toBe(0);
    const steps = readFileSync(join(dir, "steps.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(steps).toHaveLength(16);
    const rates = steps.map((s) => s.lr as number);
    // Two batches share each update, so rates come in pairs.
    expect(rates[0]).toBeCloseTo(0.01, 12);
    expect(rates[1]).toBeCloseTo(0.01, 12);
    expect(rates[4]).toBeCloseTo(0.1, 12);
    expect(rates[15]).toBeLessThan(0.02);
    const settings = JSON.parse(
      readFileSync(join(dir, "settings.json"), "utf8"),
    );
    expect(settings.schedule).toEqual({ name: "cosine", warmup: 2 });
    expect(settings.clipNorm).toBe(1);
    expect(settings.accumulate).toBe(2);
  });

  it("rejects a warm-up with onecycle before any run starts", () => {
    const out = join(temporaryFolder("descent-onecycle-"), "out");
    const bad = runCli([
      "compare",
      "--optimizers",
      "sgd,adam",
      "--schedule",
      "onecycle",
      "--warmup",
      "20",
      "--train-limit",
      "500",
      "--out",
      out,
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(
      /--warmup does not combine with the onecycle schedule/,
    );
    expect(bad.stderr).not.toMatch(/started/);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects an unknown schedule", () => {
    const bad = runCli([
      "train",
      "--optimizer",
      "adam",
      "--schedule",
      "sometimes",
    ]);
    expect(bad.stderr).toMatch(
      /unknown schedule "sometimes"\. Choose one of constant, cosine/,
    );
  });
});

describe("descent train resume", () => {
  const args = (dir: string) => [
    "train",
    "--optimizer",
    "adam",
    "--epochs",
    "3",
    "--train-limit",
    "1500",
    "--test-limit",
    "200",
    "--out",
    dir,
  ];
  const metrics = (dir: string) =>
    readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const { seconds: _seconds, ...rest } = JSON.parse(line);
        return rest;
      });

  it("ends with the numbers of an uninterrupted run after a kill", async () => {
    const base = temporaryFolder("descent-resume-");
    const straight = join(base, "straight");
    const interrupted = join(base, "interrupted");
    expect(runCli(args(straight)).status).toBe(0);

    mkdirSync(interrupted);
    const child = startCli(args(interrupted));
    const checkpoint = join(interrupted, "checkpoint", "checkpoint.json");
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (existsSync(checkpoint)) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(timer);
        reject(new Error("the run finished before it could be interrupted"));
      });
    });
    // The kill can land before the first metrics file is written.
    const partial = existsSync(join(interrupted, "metrics.jsonl"))
      ? metrics(interrupted)
      : [];
    expect(partial.length).toBeLessThan(3);

    const resumed = runCli([...args(interrupted), "--resume"]);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/resumed after epoch/);
    expect(metrics(interrupted)).toEqual(metrics(straight));
    const steps = (dir: string) =>
      readFileSync(join(dir, "steps.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
    expect(steps(interrupted)).toEqual(steps(straight));
  });
});

afterAll(() => {
  for (const dir of temporaries) rmSync(dir, { recursive: true, force: true });
});
