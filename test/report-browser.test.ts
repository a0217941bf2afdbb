/**
 * Opens a generated report.html in Debian's Chromium and checks what a reader
 * sees: every chart drawn with a non-zero size, no console errors and no
 * network requests. CI installs Chromium with `apt-get install chromium`.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { writeReport } from "../src/report/write.js";
import { syntheticReport } from "./helpers/report-input.js";

const CHROMIUM = "/usr/bin/chromium";

let dir: string;
let browser: Browser;
let page: Page;
let chartIds: string[];
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}, which the report browser test ` +
        "needs. Install it with `apt-get install chromium`.",
    );
  }
  dir = await mkdtemp(join(tmpdir(), "descent-report-browser-"));
  const written = await writeReport(dir, syntheticReport());
  chartIds = Object.keys(written.charts);
  const url = pathToFileURL(written.html).href;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (message) => {
    if (message.type() === "error") {
      consoleErrors.push(message.text());
    }
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  page.on("request", (request) => {
    if (request.url() !== url) {
      requests.push(request.url());
    }
  });
  await page.goto(url, { waitUntil: "load" });
});

afterAll(async () => {
  await browser?.close();
  if (dir) {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("report.html in Chromium", () => {
  it("finishes loading", async () => {
    expect(await page.evaluate(() => document.readyState)).toBe("complete");
    expect(await page.title()).toBe("Synthetic comparison");
  });

  it("shows every chart with a non-zero size", async () => {
    expect(chartIds).toHaveLength(6);
    for (const id of chartIds) {
      const svg = page.locator(`figure#${id} > svg`);
      await expect.poll(() => svg.isVisible(), { message: id }).toBe(true);
      const box = await svg.boundingBox();
      expect(box?.width, id).toBeGreaterThan(300);
      expect(box?.height, id).toBeGreaterThan(150);
    }
  });

  it("draws the lines of every chart", async () => {
    for (const id of chartIds) {
      const sizes = await page
        .locator(`figure#${id} path[aria-roledescription="line mark"]`)
        .evaluateAll((paths) =>
          paths.map((path) => {
            const box = (path as SVGGraphicsElement).getBBox();
            return box.width * box.height;
          }),
        );
      expect(sizes.length, id).toBeGreaterThan(0);
      for (const size of sizes) {
        expect(size, id).toBeGreaterThan(0);
      }
    }
  });

  it("shows the summary table", async () => {
    const rows = page.locator("table.summary tbody tr");
    expect(await rows.count()).toBe(3);
    expect(await rows.first().isVisible()).toBe(true);
  });

  it("logs no console errors", () => {
    expect(consoleErrors).toEqual([]);
  });

  it("makes no network requests", () => {
    expect(requests).toEqual([]);
  });
});
