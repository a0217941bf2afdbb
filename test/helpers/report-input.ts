import type {
  ReportInput,
  RunResult,
  StepMetrics,
} from "../../src/report/types.js";

export const STEPS_PER_EPOCH = 50;
export const EPOCHS = 4;

/**
 * Builds a synthetic run whose losses fall at `rate` with a deterministic
 * wobble. Adaptive runs also record an effective learning rate per step.
 */
export function syntheticRun(
  optimizer: string,
  rate: number,
  adaptive: boolean,
): RunResult {
  const steps: StepMetrics[] = [];
  const total = STEPS_PER_EPOCH * EPOCHS;
  for (let step = 1; step <= total; step++) {
    const lr = 0.05 * (1 + Math.cos((Math.PI * step) / total)) + 0.001;
    const loss =
      2.3 * Math.exp((-rate * step) / 100) + 0.2 + 0.05 * Math.sin(step);
    steps.push({
      step,
      loss,
      lr,
      ...(adaptive ? { effectiveLr: lr / (1 + step / 20) } : {}),
    });
  }
  const epochs = Array.from({ length: EPOCHS }, (_, index) => {
    const epoch = index + 1;
    const trainLoss = 2.3 * Math.exp(-rate * epoch) + 0.2;
    return {
      epoch,
      trainLoss,
      testLoss: trainLoss + 0.05,
      testAccuracy: 0.9 - 0.5 * Math.exp(-rate * epoch),
      seconds: 1 + 0.1 * epoch,
    };
  });
  return { optimizer, options: { lr: 0.1 }, epochs, steps };
}

/** Three runs: plain SGD and two adaptive methods. */
export function syntheticReport(): ReportInput {
  return {
    title: "Synthetic comparison",
    settings: {
      model: "mlp",
      epochs: EPOCHS,
      batchSize: 64,
      seed: 7,
      data: "synthetic",
    },
    runs: [
      syntheticRun("sgd", 0.4, false),
      syntheticRun("adam", 1.1, true),
      syntheticRun("adabound", 0.9, true),
    ],
  };
}

/** Reads width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Returns the series name and stroke colour of each line mark in a Vega SVG.
 * Vega writes the series as `<legend title>: <name>` into the aria-label.
 */
export function lineStrokes(
  svg: string,
  legendTitle = "optimizer",
): { run: string; stroke: string }[] {
  const paths =
    svg.match(/<path [^>]*aria-roledescription="line mark"[^>]*>/g) ?? [];
  const series = new RegExp(`${legendTitle}: ([^;"]+)`);
  return paths.map((path) => ({
    run: series.exec(path)?.[1] ?? "",
    stroke: /stroke="([^"]+)"/.exec(path)?.[1] ?? "",
  }));
}
