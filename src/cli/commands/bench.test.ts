import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";

import type { TrainingBenchResult } from "../../bench/training.js";
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

const SMALL = [
  "--sizes",
  "400",
  "--repeats",
  "1",
  "--no-tfjs",
  "--no-training",
];

describe("descent bench", () => {
  it("reports every mode for each case and layout", async () => {
    const report = JSON.parse(
      await bench(...SMALL, "--algorithms", "adagrad,amsgrad", "--json"),
    ) as BenchReport;
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.tfjs).toEqual({ skipped: "--no-tfjs" });
    expect(report.training).toEqual({ skipped: "--no-training" });
    expect(report.rootDivideNs).toBeGreaterThan(0);
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
      expect(result.cachedNs).toBeGreaterThanOrEqual(0);
      expect(result.copyNs).toBeGreaterThan(0);
      expect(result.floors.wasmOwn).toBeCloseTo(
        Math.max(result.cachedNs, result.streamNs + result.checkNs) /
          result.streamNs,
      );
      expect(result.floors.wasm).toBeGreaterThan(result.floors.wasmOwn);
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
    expect(text).toContain("training comparison: skipped (--no-training)");
  });

  it("trains through descent and model.fit", async () => {
    const report = JSON.parse(
      await bench(
        ...SMALL.filter((flag) => flag !== "--no-training"),
        "--algorithms",
        "sgd",
        "--training-images",
        "256",
        "--accuracy",
        "--json",
      ),
    ) as BenchReport;
    const training = report.training as TrainingBenchResult;
    expect(training.trainImages).toBe(256);
    expect(training.testImages).toBe(1000);
    expect(training.batchSize).toBe(128);
    for (const side of [
      training.descent,
      training.modelFit,
      training.modelFitWithKernels,
    ]) {
      expect(side.secondsPerEpoch).toBeGreaterThan(0);
      expect(side.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(side.testAccuracy).toBeLessThanOrEqual(1);
    }
    expect(training.timeRatio).toBeCloseTo(
      training.descent.secondsPerEpoch / training.modelFit.secondsPerEpoch,
    );
    const check = training.accuracy!;
    expect(check.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(check.epochs[0].testAccuracy).toBe(training.descent.testAccuracy);
    expect(check.goals.map((g) => g.epoch)).toEqual([1, 5]);
    expect(check.goals[1].reached).toBe(check.epochs[4].testAccuracy);
    expect(check.fullDataset).toBe(false);
  });

  it("rejects --accuracy with --no-training", async () => {
    await expect(bench("--no-training", "--accuracy")).rejects.toThrow(
      "option '--accuracy' cannot be used with option '--no-training'",
    );
  });

  it("rejects fewer training images than a batch", async () => {
    await expect(bench("--training-images", "100")).rejects.toThrow(
      'must be a whole number >= 128 (one batch), got "100"',
    );
  });

  it("rejects a size that 100 tensors cannot share", async () => {
    await expect(bench("--sizes", "150")).rejects.toThrow(
      'each size must be a whole multiple of 100 (the parameters are split into 100 tensors), got "150"',
    );
  });

  it("rejects hexadecimal counts", async () => {
    await expect(bench("--sizes", "0x64")).rejects.toThrow(
      'each size must be a whole multiple of 100 (the parameters are split into 100 tensors), got "0x64"',
    );
    await expect(bench("--repeats", "0x7")).rejects.toThrow(
      'must be a whole number >= 1, got "0x7"',
    );
  });

  it("rejects counts past 2^53 - 1", async () => {
    await expect(bench("--sizes", "1e20")).rejects.toThrow(
      'each size must be a whole multiple of 100 (the parameters are split into 100 tensors), got "1e20"',
    );
    await expect(bench("--repeats", "1e300")).rejects.toThrow(
      'must be a whole number >= 1, got "1e300"',
    );
    await expect(bench("--training-images", "1e300")).rejects.toThrow(
      'must be a whole number >= 128 (one batch), got "1e300"',
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
    const result = (
      label: string,
      own: number,
      user: number,
      floors = { wasm: 1.4, wasmOwn: 1.1 },
    ) => ({
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
      cachedNs: 0.5,
      copyNs: 0.3,
      modes: { js: timing(8), wasm: timing(user), wasmOwn: timing(own) },
      floors,
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
      rootDivideNs: 0.45,
      optimizers: [
        result("adam", 1.1, 1.5),
        result("nadam", 1.3, 1.4, { wasm: 1.7, wasmOwn: 1.25 }),
      ],
      tfjs: { skipped: "--no-tfjs" },
      training: { skipped: "--no-training" },
    });
    expect(text).toContain(
      "own memory  <= 1.2: 1.30 (nadam, 1 tensor) missed; floor above the goal in 1 of 2 rows",
    );
    expect(text).toContain(
      "user arrays <= 1.6: 1.50 (adam, 1 tensor) met; floor above the goal in 1 of 2 rows",
    );
    expect(text).toContain(
      "one square root and one division per element from the L1 cache: 0.450 ns",
    );
  });

  it("states the training goals", () => {
    const text = formatReport(reportWithTraining(60_000, 10_000));
    expect(text).toMatch(/^ +descent runTraining +2\.00 +0\.8400$/m);
    expect(text).toMatch(/^ +tf model\.fit +10\.00 +0\.8300$/m);
    expect(text).toMatch(/^ +tf model\.fit, descent kernels +4\.00 +0\.8350$/m);
    expect(text).toContain("descent / model.fit: 0.200 (goal <= 0.25) met");
    expect(text).toContain("descent / model.fit with the same kernels: 0.500");
    expect(text).toContain(
      "test accuracy after epochs 1-5: 0.8400, 0.8500, 0.8600, 0.8650, 0.8680",
    );
    expect(text).toContain("epoch 1: 0.8400 (goal >= 0.83) met");
    expect(text).toContain("epoch 5: 0.8680 (goal >= 0.87) missed");
  });

  it("checks accuracy goals on the full dataset only", () => {
    const text = formatReport(reportWithTraining(6000, 1000));
    expect(text).toContain(
      "epoch 1: 0.8400 (goal >= 0.83) not checked: the goal is for the full 60,000 training and 10,000 test images",
    );
  });
});

/** Builds a report with no optimizer rows and a made-up training comparison. */
function reportWithTraining(
  trainImages: number,
  testImages: number,
): BenchReport {
  const accuracies = [0.84, 0.85, 0.86, 0.865, 0.868];
  const fullDataset = trainImages === 60_000 && testImages === 10_000;
  return {
    machine: {
      cpu: "test CPU",
      cores: 2,
      node: "v20",
      platform: "linux x64",
      loadAverage: 0,
    },
    settings: { sizes: [400], repeats: 1, sampleMs: 1 },
    rootDivideNs: 0.45,
    optimizers: [],
    tfjs: { skipped: "--no-tfjs" },
    training: {
      dataDir: "data",
      trainImages,
      testImages,
      batchSize: 128,
      descent: { secondsPerEpoch: 2, testAccuracy: 0.84 },
      modelFit: { secondsPerEpoch: 10, testAccuracy: 0.83 },
      modelFitWithKernels: { secondsPerEpoch: 4, testAccuracy: 0.835 },
      timeRatio: 0.2,
      accuracy: {
        epochs: accuracies.map((testAccuracy, i) => ({
          epoch: i + 1,
          testAccuracy,
        })),
        goals: [
          { epoch: 1, testAccuracy: 0.83, reached: 0.84, met: true },
          { epoch: 5, testAccuracy: 0.87, reached: 0.868, met: false },
        ],
        fullDataset,
      },
    },
  };
}
