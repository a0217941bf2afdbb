/**
 * The playground in a real browser: builds web/ with Vite, serves the static
 * site on a free localhost port and drives Debian's Chromium through
 * playwright-core. Saves screenshots to test-output/.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";

import { type Browser, type Page, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname, "..");
const SCREENSHOTS = join(ROOT, "test-output");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
};

let siteDir: string;
let server: Server;
let baseUrl: string;
let browser: Browser;
let page: Page;
let pageErrors: string[];
/** Why the browser could not start; every test fails with it. */
let setupError: Error | undefined;

/** Serves the files under `dir` read-only; anything outside it or missing is a 404. */
function serveStatic(dir: string): Server {
  return createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const file = resolve(dir, `.${path.endsWith("/") ? `${path}index.html` : path}`);
    if (!file.startsWith(dir + sep)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    setupError = new Error(
      `Chromium was not found at ${CHROMIUM}; the playground test needs it. ` +
        `Install Debian's package with: apt-get install chromium`,
    );
    return;
  }
  siteDir = await mkdtemp(join(tmpdir(), "descent-playground-"));
  await build({
    configFile: join(ROOT, "web/vite.config.ts"),
    build: { outDir: siteDir, emptyOutDir: true },
    logLevel: "warn",
  });
  server = serveStatic(siteDir);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
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
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  if (siteDir) await rm(siteDir, { recursive: true, force: true });
});

beforeEach(async () => {
  // Thrown here rather than in beforeAll, so each test fails with the reason instead of being skipped.
  if (setupError) throw setupError;
  page = await browser.newPage({ viewport: { width: 1320, height: 900 } });
  pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
});

afterEach(async () => {
  await page?.close();
});

/** Reads an optimizer's readout row: its step, loss and current point. */
async function readout(name: string) {
  const row = page.locator(`#readout-body tr[data-optimizer="${name}"]`);
  const data = await row.evaluate((element: HTMLElement) => ({ ...element.dataset }));
  return {
    step: Number(data.step),
    loss: Number(data.loss),
    x: Number(data.x),
    y: Number(data.y),
    distance: data.distance === "" ? undefined : Number(data.distance),
  };
}

async function enableOnly(names: readonly string[]): Promise<void> {
  const boxes = page.locator("input[data-enable]");
  for (const box of await boxes.all()) {
    const name = await box.getAttribute("data-enable");
    await box.setChecked(names.includes(name!));
  }
}

/** Plays until every listed optimizer has taken at least `steps` steps, then pauses. */
async function playUntil(names: readonly string[], steps: number): Promise<void> {
  await page.locator("#speed").fill("20");
  await page.click("#play");
  await page.waitForFunction(
    ({ names, steps }) =>
      names.every((name) => {
        const row = document.querySelector<HTMLElement>(`#readout-body tr[data-optimizer="${name}"]`);
        return Number(row?.dataset.step) >= steps;
      }),
    { names, steps },
  );
  if ((await page.textContent("#play")) === "Pause") await page.click("#play");
}

describe("playground", () => {
  it("loads with Rosenbrock and four optimizers", async () => {
    await page.goto(baseUrl);
    await expect.poll(() => page.locator("#readout-body tr").count()).toBe(4);
    expect(await page.inputValue("#function")).toBe("rosenbrock");
    expect(await page.locator("#optimizers .optimizer").count()).toBeGreaterThanOrEqual(15);
    expect(pageErrors).toEqual([]);
  });

  it("runs Adam down Rosenbrock from a clicked start", async () => {
    await page.goto(baseUrl);
    await page.selectOption("#function", "rosenbrock");
    await enableOnly(["adam"]);
    await expect.poll(() => page.locator("#readout-body tr").count()).toBe(1);

    const plot = page.locator("#plot");
    const box = (await plot.boundingBox())!;
    await plot.click({ position: { x: box.width * 0.25, y: box.height * 0.2 } });
    const start = await page.locator("#start-readout").evaluate((element: HTMLElement) => ({
      x: Number(element.dataset.x),
      y: Number(element.dataset.y),
    }));
    // The click lands in the upper left of the plot: x < 0 and y > 1 on Rosenbrock's [-2, 2] × [-1, 3].
    expect(start.x).toBeLessThan(0);
    expect(start.y).toBeGreaterThan(1);

    const before = await readout("adam");
    expect(before.step).toBe(0);
    expect(before.x).toBe(start.x);
    expect(before.y).toBe(start.y);

    await playUntil(["adam"], 300);
    const after = await readout("adam");
    expect(after.step).toBeGreaterThanOrEqual(300);
    expect(Math.hypot(after.x - start.x, after.y - start.y)).toBeGreaterThan(0.5);
    expect(after.loss).toBeLessThan(before.loss / 10);
    expect(after.distance).toBeLessThan(before.distance!);

    await page.screenshot({ path: join(SCREENSHOTS, "playground-adam-rosenbrock.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("steps one optimizer at a time with the Step button", async () => {
    await page.goto(baseUrl);
    await enableOnly(["sgd"]);
    for (let k = 0; k < 3; k++) await page.click("#step");
    expect((await readout("sgd")).step).toBe(3);
  });

  it("shows an invalid option in the readout", async () => {
    await page.goto(baseUrl);
    await enableOnly(["adam"]);
    await page.locator('input[data-lr="adam"]').fill("-1");
    await page.locator('input[data-lr="adam"]').dispatchEvent("change");
    const status = page.locator('#readout-body tr[data-optimizer="adam"] .status');
    await expect.poll(() => status.textContent()).toMatch(/lr must be a number >= 0, got -1/);
  });

  it("descends a custom function typed by the user", async () => {
    await page.goto(baseUrl);
    await page.selectOption("#function", "custom");
    await page.fill("#custom-expression", "(x - 1)^2 + 2*(y + 0.5)^2");
    await page.click("#custom-apply");
    await expect.poll(() => page.textContent("#function-formula")).toContain("(x - 1) ^ 2 + 2 * (y + 0.5) ^ 2");
    await enableOnly(["adam"]);
    const before = await readout("adam");

    await playUntil(["adam"], 150);
    const after = await readout("adam");
    expect(after.loss).toBeLessThan(before.loss / 100);
    expect(after.x).toBeCloseTo(1, 1);
    expect(after.y).toBeCloseTo(-0.5, 1);
    expect(await page.textContent("#custom-error")).toBe("");
    await page.screenshot({ path: join(SCREENSHOTS, "playground-custom.png"), fullPage: true });
  });

  it("explains a custom function it cannot use", async () => {
    await page.goto(baseUrl);
    await page.selectOption("#function", "custom");
    await page.fill("#custom-expression", "x^2 + z");
    await page.click("#custom-apply");
    await expect.poll(() => page.textContent("#custom-error")).toContain('Unknown variable "z"');
  });

  it("loads a numbered example from the address", async () => {
    await page.goto(`${baseUrl}#04-himmelblau-basins`);
    await expect.poll(() => page.locator("#readout-body tr").count()).toBe(4);
    expect(await page.inputValue("#function")).toBe("himmelblau");
    expect(await page.textContent("#example-idea")).toContain("four equally deep minima");
    const start = await page.locator("#start-readout").getAttribute("data-x");
    expect(Number(start)).toBe(-0.3);
    expect(pageErrors).toEqual([]);
  });

  it("switches examples from the menu", async () => {
    await page.goto(`${baseUrl}#04-himmelblau-basins`);
    await page.selectOption("#example", "03-saddle-escape");
    await expect.poll(() => page.inputValue("#function")).toBe("saddle");
    expect(new URL(page.url()).hash).toBe("#03-saddle-escape");

    await page.selectOption("#function", "booth");
    expect(await page.inputValue("#example")).toBe("");
    await page.selectOption("#example", "03-saddle-escape");
    await expect.poll(() => page.inputValue("#function")).toBe("saddle");
    expect(pageErrors).toEqual([]);
  });

  it("loads the custom-function example", async () => {
    await page.goto(`${baseUrl}#08-custom-function`);
    await expect.poll(() => page.locator("#readout-body tr").count()).toBe(3);
    expect(await page.inputValue("#function")).toBe("custom");
    expect(await page.inputValue("#custom-expression")).toContain("exp(");
    expect(await page.isVisible("#custom-box")).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
