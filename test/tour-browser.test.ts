/**
 * Runs `descent tour --quick` end to end with two training workers and opens
 * the tour.html it writes in Debian's Chromium: every chart of every section
 * drawn at a readable size, no console errors and no network requests.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { launchChromium } from "./helpers/browser.js";
import { type CliResult, runCli } from "./helpers/cli.js";

const SECTIONS = [
  "batch-size",
  "learning-rate",
  "saddle",
  "momentum",
  "nesterov",
  "adagrad",
  "moving-average",
  "adam",
  "adamax",
  "nadam",
  "amsgrad",
  "generalisation",
  "adabound",
];

let root: string;
let out: string;
let result: CliResult;
let tourJson: { sections: Array<{ id: string; outcome: string; charts: string[] }> };
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "descent-tour-"));
  out = join(root, "tour");
  result = runCli(["tour", "--quick", "--workers", "2", "--out", out], 600_000);
  if (result.status !== 0) throw new Error(`descent tour failed:\n${result.stderr}`);
  tourJson = JSON.parse(readFileSync(join(out, "tour.json"), "utf8"));

  const url = pathToFileURL(join(out, "tour.html")).href;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  page.on("request", (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  await page.goto(url, { waitUntil: "load" });
}, 660_000);

afterAll(async () => {
  await browser?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("descent tour --quick", () => {
  it("prints a verdict per claim", () => {
    for (const id of SECTIONS) {
      const section = tourJson.sections.find((s) => s.id === id);
      expect(section, id).toBeDefined();
    }
    expect(result.stdout).toMatch(/\d+ of 13 claims held in these runs/);
    expect(result.stdout.split("\n").filter((line) => /: (holds|holds in part|does not hold)\. /.test(line))).toHaveLength(13);
  });

  it("orders the sections as the claims", async () => {
    expect(tourJson.sections.map((s) => s.id)).toEqual(SECTIONS);
    const onPage = await page.locator("section.claim").evaluateAll((nodes) => nodes.map((node) => node.id));
    expect(onPage).toEqual(SECTIONS);
  });
});

describe("descent tour input checks", () => {
  it("rejects an unknown experiment id", () => {
    const rejected = runCli(["tour", "--quick", "--only", "adagrad,adamm", "--out", join(root, "never")]);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toContain('Unknown tour experiment "adamm"');
    expect(rejected.stderr).toContain("Valid ids: batch-size, learning-rate");
  });

  it("rejects a missing data folder before training", () => {
    const missing = join(root, "no-such-data");
    const rejected = runCli(["tour", "--quick", "--only", "batch-size", "--data", missing, "--out", join(root, "never")]);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toContain(`${missing}: data folder not found`);
  });

  it("rejects a negative worker count", () => {
    const rejected = runCli(["tour", "--workers", "-1", "--out", join(root, "never")]);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toContain('the worker count must be an integer ≥ 0, got "-1"');
  });
});

describe("tour.html in Chromium", () => {
  it("shows every chart with a readable size", async () => {
    const ids = tourJson.sections.flatMap((s) => s.charts);
    expect(ids.length).toBeGreaterThanOrEqual(2 * SECTIONS.length);
    for (const id of ids) {
      const svg = page.locator(`figure#${id} > svg`);
      await svg.scrollIntoViewIfNeeded();
      expect(await svg.isVisible(), id).toBe(true);
      const box = await svg.boundingBox();
      expect(box?.width, id).toBeGreaterThan(300);
      expect(box?.height, id).toBeGreaterThan(150);
    }
  });

  it("draws a line or a path in every chart", async () => {
    for (const id of tourJson.sections.flatMap((s) => s.charts)) {
      const areas = await page
        .locator(`figure#${id} path[aria-roledescription="line mark"], figure#${id} path.trajectory`)
        .evaluateAll((paths) =>
          paths.map((path) => {
            const box = (path as SVGGraphicsElement).getBBox();
            return box.width + box.height;
          }),
        );
      expect(areas.length, id).toBeGreaterThan(0);
      expect(Math.max(...areas), id).toBeGreaterThan(0);
    }
  });

  it("shows each claim's outcome badge and verdict", async () => {
    for (const section of tourJson.sections) {
      const verdict = page.locator(`section#${section.id} p.verdict`);
      expect(await verdict.isVisible(), section.id).toBe(true);
      expect(await verdict.locator(".badge").textContent(), section.id).toBe(section.outcome);
    }
  });

  it("logs no console errors", () => {
    expect(consoleErrors).toEqual([]);
  });

  it("makes no network requests", () => {
    expect(requests).toEqual([]);
  });
});
