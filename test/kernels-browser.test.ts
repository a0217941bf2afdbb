/**
 * Runs core, bundled by Vite as the playground bundles it, in Debian's
 * Chromium: the WebAssembly kernels must load there (synchronously, on the
 * page's main thread) and agree with the TypeScript loops. CI installs
 * Chromium with `apt-get install chromium`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { chromium, type Browser, type Page } from "playwright-core";
import { build, type Rollup } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const CORE_ENTRY = fileURLToPath(
  new URL("../src/core/index.ts", import.meta.url),
);

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Bundles src/core as one script that defines the global `descent`. */
async function bundleCore(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: "silent",
    build: {
      write: false,
      minify: false,
      lib: {
        entry: CORE_ENTRY,
        formats: ["iife"],
        name: "descent",
        fileName: "descent",
      },
    },
  });
  const outputs = (
    Array.isArray(result) ? result : [result]
  ) as Rollup.RollupOutput[];
  return (outputs[0].output[0] as Rollup.OutputChunk).code;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}, which the kernel browser test needs. Install it with \`apt-get install chromium\`.`,
    );
  }
  const script = await bundleCore();
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
  page = await browser.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.setContent("<!doctype html><title>descent kernels</title>");
  await page.addScriptTag({ content: script });
});

afterAll(async () => {
  await browser?.close();
});

interface Descent {
  Parameter: {
    new (data: Float32Array): { data: Float32Array; grad: Float32Array | null };
    allocate(length: number): {
      data: Float32Array;
      grad: Float32Array | null;
      dispose(): void;
    };
  };
  createOptimizer(
    name: string,
    params: unknown[],
    options: Record<string, unknown>,
  ): { step(): void };
  setKernelBackend(backend: string): void;
  getKernelBackend(): string;
}

describe("kernels in Chromium", () => {
  it("load on the main thread", async () => {
    const backend = await page.evaluate(() =>
      (
        globalThis as unknown as { descent: Descent }
      ).descent.getKernelBackend(),
    );
    expect(backend).toBe("wasm");
    expect(pageErrors).toEqual([]);
  });

  it("agree with the reference loop for Adam", async () => {
    const runs = await page.evaluate(() => {
      const { Parameter, createOptimizer, setKernelBackend } = (
        globalThis as unknown as { descent: Descent }
      ).descent;
      const length = 1003;
      const run = (backend: string, allocated: boolean): number[] => {
        setKernelBackend(backend);
        const param = allocated
          ? Parameter.allocate(length)
          : new Parameter(new Float32Array(length));
        for (let i = 0; i < length; i++) param.data[i] = Math.sin(i);
        const opt = createOptimizer("adam", [param], {
          lr: 0.01,
          amsgrad: true,
        });
        for (let k = 0; k < 10; k++) {
          for (let i = 0; i < length; i++)
            (param.grad as Float32Array)[i] = Math.cos(i * (k + 1));
          opt.step();
        }
        setKernelBackend("auto");
        return Array.from(param.data);
      };
      return {
        js: run("js", false),
        wasm: run("wasm", false),
        wasmAllocated: run("wasm", true),
      };
    });
    const worst = runs.wasm.reduce(
      (max, x, i) =>
        Math.max(
          max,
          Math.abs(x - runs.js[i]) / Math.max(1, Math.abs(runs.js[i])),
        ),
      0,
    );
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(worst).toBeGreaterThan(0);
    expect(runs.wasmAllocated).toEqual(runs.wasm);
  });

  it("re-derive parameter arrays after the memory grows", async () => {
    const result = await page.evaluate(() => {
      const { Parameter } = (globalThis as unknown as { descent: Descent })
        .descent;
      const param = Parameter.allocate(16);
      const earlierView = param.data;
      param.data[5] = 3;
      const large = Parameter.allocate(16 * 1024 * 1024);
      const outcome = {
        earlierLength: earlierView.length,
        value: param.data[5],
        length: param.data.length,
      };
      large.dispose();
      param.dispose();
      return outcome;
    });
    expect(result.earlierLength).toBe(0);
    expect(result.value).toBe(3);
    expect(result.length).toBe(16);
  });
});
