import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REFERENCE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "fixtures",
  "reference",
);

export interface TensorSpec {
  shape: number[];
  data: number[];
}

export interface FixedCase {
  name: string;
  algorithm: string;
  description: string;
  options: Record<string, unknown>;
  steps: number;
  params: TensorSpec[];
  lrPerStep?: number[];
  grads: number[][][];
  expected: number[][][];
}

export interface ClosedLoopCase {
  name: string;
  algorithm: string;
  description: string;
  options: Record<string, unknown>;
  function: "rosenbrock";
  start: [number, number];
  steps: number;
  trajectory: { step: number; params: [number, number]; value: number }[];
}

export interface OptimizerFile {
  family: string;
  cases: FixedCase[];
  closedLoop: ClosedLoopCase[];
}

/** Optimizer reference files, every file in the folder except schedules and clipping. */
export function loadOptimizerFiles(): OptimizerFile[] {
  return readdirSync(REFERENCE_DIR)
    .filter(
      (file) =>
        file.endsWith(".json") &&
        !["schedules.json", "clipping.json"].includes(file),
    )
    .sort()
    .map(
      (file) =>
        JSON.parse(
          readFileSync(join(REFERENCE_DIR, file), "utf8"),
        ) as OptimizerFile,
    );
}

export function loadReference<T>(file: string): T {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, file), "utf8")) as T;
}

/** Applies the comparison rule of the reference data: |a − e| ≤ tol·max(1, |e|). */
export function closeTo(
  actual: number,
  expected: number,
  tolerance: number,
): boolean {
  return (
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected))
  );
}

/** Rosenbrock's gradient in the operation order the reference data prescribes. */
export function rosenbrockGradient(x: number, y: number): [number, number] {
  const t = y - x * x;
  return [-2 * (1 - x) - 400 * x * t, 200 * t];
}
