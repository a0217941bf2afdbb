import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";

import { type BenchReport, formatReport, registerBench } from "./bench.js";

/** Runs `descent bench ARGS` in this process and returns what it printed. */
async function bench(...args: string[]): Promise<string> {
  const program = new Command("descent")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerBench(program);
  const printed: string[] = [];
  const write = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  try {
    await program.parseAsync(["node", "descent", "bench", ...args]);
  } finally {
    write.mockRestore();
  }
  return printed.join("");
}

const SMALL = ["--sizes", "400", "--repeats", "1", "--no-tfjs"];

describe("descent bench", () => {
  it("reports every mode for each case and layout", async () => {
    const report = JSON.parse(
      await bench(...SMALL, "--algorithms", "adagrad,amsgrad", "--json"),
    ) as BenchReport;
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.tfjs).toEqual({ skipped: "--no-tfjs" });
    const rows = report.optimizers.map((r) => `${r.label} ${r.layout}`);
    expect(rows).toEqual([
      "adagrad flat",
      "amsgrad flat",
      "adagrad tensors",
      "amsgrad tensors",
    ]);
    for (const result of report.optimizers) {
      expect(result.size).toBe(400);
      expect(result.streamNs).toBeGreaterThan(0);
      expect(result.checkNs).toBeGreaterThan(0);
      for (const mode of ["js", "wasm", "wasmOwn"] as const) {
        expect(result.modes[mode].ns).toBeGreaterThan(0);
        expect(result.modes[mode].ratio).toBeGreaterThan(0);
      }
    }
  });

  it("counts the bytes a step moves", async () => {
    const report = JSON.parse(
      await bench(...SMALL, "--algorithms", "adagrad,amsgrad", "--json"),
    ) as BenchReport;
    const [adagrad, amsgrad] = report.optimizers;
    expect(adagrad.buffers).toBe(1);
    expect(adagrad.bytesPerParameter).toBe(20);
    expect(amsgrad.buffers).toBe(3);
    expect(amsgrad.bytesPerParameter).toBe(36);
    expect(report.optimizers[2].tensors).toBe(100);
  });

  it("prints a table per size and layout", async () => {
    const text = await bench(...SMALL, "--algorithms", "adam");
    expect(text).toContain("400 parameters, 1 tensor");
    expect(text).toContain("400 parameters, 100 tensors");
    expect(text).toMatch(/^adam +28 /m);
    expect(text).toContain("goals: not checked");
    expect(text).toContain("tf.train comparison: skipped (--no-tfjs)");
  });

  it("rejects a size that 100 tensors cannot share", async () => {
    await expect(bench("--sizes", "150")).rejects.toThrow(
      'each size must be a whole multiple of 100 (the parameters are split into 100 tensors), got "150"',
    );
  });

  it("rejects an unknown algorithm", async () => {
    await expect(bench("--algorithms", "adam,lion")).rejects.toThrow(
      'unknown algorithm "lion"',
    );
  });
});

describe("formatReport", () => {
  it("states whether the goals at 10 million parameters are met", () => {
    const timing = (ratio: number) => ({ ns: ratio, ratio });
    const result = (label: string, own: number, user: number) => ({
      label,
      algorithm: label,
      options: {},
      size: 1e7,
      layout: "flat" as const,
      tensors: 1,
      buffers: 2,
      bytesPerParameter: 28,
      streamNs: 1,
      checkNs: 0.1,
      modes: { js: timing(8), wasm: timing(user), wasmOwn: timing(own) },
    });
    const text = formatReport({
      machine: {
        cpu: "test CPU",
        cores: 2,
        node: "v20",
        platform: "linux x64",
        loadAverage: 0,
      },
      settings: { sizes: [1e7], repeats: 1, sampleMs: 1 },
      optimizers: [result("adam", 1.1, 1.5), result("nadam", 1.3, 1.4)],
      tfjs: { skipped: "--no-tfjs" },
    });
    expect(text).toContain("own memory  <= 1.2: 1.30 (nadam, 1 tensor) missed");
    expect(text).toContain("user arrays <= 1.6: 1.50 (adam, 1 tensor) met");
  });
});
