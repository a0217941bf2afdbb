/**
 * The playground and its tour page in a real browser: builds web/ with Vite,
 * serves the static site on a free localhost port and drives Debian's
 * Chromium through playwright-core. Saves screenshots to test-output/.
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

import { getTestFunction } from "../src/landscape/index.js";
import { adamRosenbrockScene, landscapeScenes, saddleScene } from "../src/tour/scenes.js";

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

/** Reads every readout row of the page at once: step, loss and point, keyed by optimizer label. */
async function readoutRows(): Promise<Record<string, { step: number; loss: number; x: number; y: number }>> {
  const rows = await page.locator("#readout-body tr").evaluateAll((elements: HTMLElement[]) =>
    elements.map((element) => ({ ...element.dataset })),
  );
  return Object.fromEntries(
    rows.map((data) => [
      data.optimizer!,
      { step: Number(data.step), loss: Number(data.loss), x: Number(data.x), y: Number(data.y) },
    ]),
  );
}

/**
 * Clicks Step `steps` times inside the page and returns, per optimizer, the
 * first step whose loss in the readout is at most `level` (absent if none).
 */
async function firstStepAtOrBelow(level: number, steps: number): Promise<Record<string, number>> {
  return page.evaluate(
    ({ level, steps }) => {
      const first: Record<string, number> = {};
      const button = document.getElementById("step")!;
      for (let k = 0; k < steps; k++) {
        button.click();
        for (const row of Array.from(document.querySelectorAll<HTMLElement>("#readout-body tr"))) {
          const name = row.dataset.optimizer!;
          if (first[name] === undefined && Number(row.dataset.loss) <= level) first[name] = Number(row.dataset.step);
        }
      }
      return first;
    },
    { level, steps },
  );
}

/**
 * Returns, sorted, the runs whose legend colour the loss chart has drawn in
 * the middle half of its height (at least 10 pixels within 8 per channel).
 */
async function colorsInLossChartMiddle(): Promise<string[]> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>("#loss")!;
    const band = canvas.getContext("2d")!.getImageData(0, canvas.height / 4, canvas.width, canvas.height / 2).data;
    const found: string[] = [];
    for (const item of Array.from(document.querySelectorAll<HTMLElement>("#legend li"))) {
      const swatch = item.querySelector<HTMLElement>(".swatch")!;
      const rgb = getComputedStyle(swatch).backgroundColor.match(/\d+/g)!.map(Number);
      let pixels = 0;
      for (let i = 0; i < band.length; i += 4) {
        if (rgb.every((channel, c) => Math.abs(band[i + c] - channel) <= 8)) pixels += 1;
      }
      if (pixels >= 10) found.push(item.dataset.optimizer!);
    }
    return found.sort();
  });
}

describe("tour page", () => {
  it("is linked from the playground", async () => {
    await page.goto(baseUrl);
    await page.click("text=Tour: the optimizer claims, replayed");
    await page.waitForURL(/tour\.html$/);
    await expect.poll(() => page.locator("#scene-list li").count()).toBe(landscapeScenes.length);
    expect(pageErrors).toEqual([]);
  });

  it("lists every scene and loads each at step 0", async () => {
    await page.goto(`${baseUrl}tour.html`);
    const listed = await page.locator("#scene-list li").evaluateAll((items: HTMLElement[]) =>
      items.map((item) => item.dataset.scene),
    );
    expect(listed).toEqual(landscapeScenes.map((scene) => scene.id));

    for (const scene of landscapeScenes) {
      const link = page.locator(`#scene-list li[data-scene="${scene.id}"] a`);
      await link.click();
      expect(new URL(page.url()).hash).toBe(`#${scene.id}`);
      // The page marks the link once it has shown the scene, on the hashchange event after the click.
      await expect.poll(() => link.getAttribute("aria-current")).toBe("true");
      expect(Object.keys(await readoutRows())).toEqual(scene.runs.map((run) => run.label));
      expect((await page.textContent("#scene-claim"))!.length).toBeGreaterThan(40);
      expect((await page.textContent("#scene-explanation"))!.length).toBeGreaterThan(80);
      expect(await page.textContent("#scene-setup")).toContain(scene.caption.slice(1));
      expect(await page.locator("#legend li").count()).toBe(scene.runs.length);

      const startValue = getTestFunction(scene.functionName).value(...scene.start);
      for (const row of Object.values(await readoutRows())) {
        expect(row.step).toBe(0);
        expect(row.x).toBe(scene.start[0]);
        expect(row.y).toBe(scene.start[1]);
        // Chromium's V8 may round `x ** 4` differently from Node's in the last bit.
        expect(row.loss).toBeCloseTo(startValue, 12);
      }
    }
    expect(pageErrors).toEqual([]);
  });

  it("plays the saddle scene to its last step", async () => {
    const scene = saddleScene;
    await page.goto(`${baseUrl}tour.html#${scene.id}`);
    const labels = scene.runs.map((run) => run.label);
    await expect.poll(async () => Object.keys(await readoutRows())).toEqual(labels);
    const before = await readoutRows();

    for (const label of labels) expect(before[label].step).toBe(0);

    await page.locator("#speed").fill("20");
    await page.click("#play");
    // At speed 20 the scene can finish before a read of the button, so the
    // test waits for the end state: the animation pauses itself once every
    // run has taken the scene's steps.
    await expect.poll(() => page.textContent("#play"), { timeout: 30_000 }).toBe("Play");
    const after = await readoutRows();
    for (const label of labels) {
      expect(after[label].step).toBe(scene.steps);
      expect(Math.hypot(after[label].x - before[label].x, after[label].y - before[label].y)).toBeGreaterThan(1);
      // Every run has left the saddle: f = x² − y² fell from 3.61 at the start to −1 or below.
      expect(after[label].loss).toBeLessThanOrEqual(-1);
    }

    // SGD on x² − y² multiplies x by (1 − 2η) and y by (1 + 2η) on each step.
    const lr = scene.runs.find((run) => run.label === "sgd")!.options.lr as number;
    const [x0, y0] = scene.start;
    expect(after.sgd.x).toBeCloseTo(x0 * (1 - 2 * lr) ** scene.steps, 12);
    expect(after.sgd.y).toBeCloseTo(y0 * (1 + 2 * lr) ** scene.steps, 9);

    // Momentum runs off below −1e3 while the others end between −10 and −100. The
    // symmetric-log axis draws every line through the chart's middle band, not flat along 0.
    const yLabels = await page.locator("#loss").getAttribute("data-y-labels");
    expect(yLabels!.split(" ")).toContain("−100");
    expect(await colorsInLossChartMiddle()).toEqual([...labels].sort());

    await page.screenshot({ path: join(SCREENSHOTS, "playground-tour-saddle.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("steps the saddle scene: SGD leaves last", async () => {
    const scene = saddleScene;
    await page.goto(`${baseUrl}tour.html#${scene.id}`);
    await expect.poll(() => page.locator("#readout-body tr").count()).toBe(scene.runs.length);

    const escapes = await firstStepAtOrBelow(-1, scene.steps);
    const labels = scene.runs.map((run) => run.label);
    expect(Object.keys(escapes).sort()).toEqual([...labels].sort());
    for (const label of labels.filter((label) => label !== "sgd")) {
      expect(escapes.sgd).toBeGreaterThan(escapes[label]);
    }

    // SGD's first step with f ≤ −1, from the closed form of its path.
    const lr = scene.runs.find((run) => run.label === "sgd")!.options.lr as number;
    const [x0, y0] = scene.start;
    let expected = 0;
    while ((x0 * (1 - 2 * lr) ** expected) ** 2 - (y0 * (1 + 2 * lr) ** expected) ** 2 > -1) expected += 1;
    expect(escapes.sgd).toBe(expected);
    expect(pageErrors).toEqual([]);
  });

  it("pauses, steps and resets", async () => {
    // The longest scene, so the pause lands well before its last step.
    const scene = adamRosenbrockScene;
    await page.goto(`${baseUrl}tour.html#${scene.id}`);
    await expect.poll(() => page.locator("#readout-body tr").count()).toBe(scene.runs.length);
    await page.locator("#speed").fill("1");
    await page.click("#play");
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#readout-body tr")?.dataset.step) >= 5);
    await page.click("#play");
    expect(await page.textContent("#play")).toBe("Play");
    const paused = (await readoutRows())[scene.runs[0].label].step;
    expect(paused).toBeGreaterThanOrEqual(5);
    expect(paused).toBeLessThan(scene.steps);

    await page.click("#step");
    for (const row of Object.values(await readoutRows())) expect(row.step).toBe(paused + 1);

    await page.click("#reset");
    for (const row of Object.values(await readoutRows())) {
      expect(row.step).toBe(0);
      expect([row.x, row.y]).toEqual([...scene.start]);
    }
    expect(pageErrors).toEqual([]);
  });
});
