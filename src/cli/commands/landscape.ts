import { existsSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";

import { type Command, InvalidArgumentError, Option } from "commander";

import { algorithmNames, isAlgorithmName } from "../../core/index.js";
import {
  type Point,
  type PlotRun,
  type TestFunction,
  formatValue,
  getTestFunction,
  landscapeSvg,
  runTrajectory,
  testFunctionNames,
} from "../../landscape/index.js";
import { assignColors } from "../../report/palette.js";
import { checkOutputFolder, parseDecimal } from "../options.js";

/** Settings of one `descent landscape` invocation, parsed and checked. */
export interface LandscapeSettings {
  fn: TestFunction;
  optimizers: string[];
  /** One learning rate per optimizer; `undefined` takes the default for the pair. */
  learningRates: (number | undefined)[];
  start: Point;
  steps: number;
  /** Plot files to write, `.svg` or `.png`. */
  out: string[];
  /** Path of the JSON file for the runs, if one was requested. */
  json?: string;
}

/** One optimizer's run, as the JSON output records it. */
export interface LandscapeRun {
  optimizer: string;
  /** Every option the optimizer ran with, its defaults filled in. */
  options: Record<string, unknown>;
  points: [number, number][];
  values: number[];
  /** True when the run stopped early because a step was not finite. */
  diverged: boolean;
}

/** The JSON output of `descent landscape --json`. */
export interface LandscapeResult {
  function: string;
  start: [number, number];
  steps: number;
  runs: LandscapeRun[];
}

const DEFAULT_OPTIMIZERS = "sgd,momentum,rmsprop,adam";
const PLOT_EXTENSIONS = [".svg", ".png"];

/**
 * Registers `descent landscape`, which runs optimizers over a 2-D test
 * function and draws their paths on its contour plot.
 */
export function registerLandscape(program: Command): void {
  program
    .command("landscape")
    .description("run optimizers over a 2-D test function and plot their paths on its contours")
    .option(
      "--function <name>",
      `test function to descend: ${testFunctionNames.join(", ")}`,
      parseFunctionName,
      "rosenbrock",
    )
    .addOption(
      new Option("--optimizers <list>", "comma-separated optimizer names (see descent list)")
        .argParser(parseOptimizerList)
        .default(DEFAULT_OPTIMIZERS.split(","), DEFAULT_OPTIMIZERS),
    )
    .option("--steps <n>", "steps per optimizer (default: the function's own, 100 to 500)", parseSteps)
    .option("--start <x,y>", "start point, e.g. -1.2,1 (default: the function's own)", parseStart)
    .option(
      "--lr <rates>",
      "learning rate for every optimizer, or a comma-separated list with one per optimizer " +
        "(default: a rate tuned for each optimizer on each function)",
      parseLearningRates,
    )
    .addOption(
      new Option("--out <file>", "write the plot to FILE.svg or FILE.png; repeat for both")
        .argParser(collectPlotPath)
        .default([], "none"),
    )
    .option("--json <file>", "write each run's options, points and values as JSON", parseJsonPath)
    .addHelpText(
      "after",
      `\nExamples:\n` +
        `  descent landscape --function rosenbrock --optimizers sgd,adam --out rosenbrock.svg\n` +
        `  descent landscape --function beale --start -2,2 --optimizers momentum,adam --lr 0.002,0.5 --out beale.png --json beale.json`,
    )
    .action(async (flags: LandscapeFlags) => {
      const settings = resolveSettings(flags);
      checkOutputFiles(settings);
      const result = runLandscape(settings);
      process.stdout.write(`${formatSummary(settings, result)}\n`);
      for (const path of await writeOutputs(settings, result)) {
        process.stdout.write(`wrote ${path}\n`);
      }
    });
}

interface LandscapeFlags {
  function: string;
  optimizers: string[];
  steps?: number;
  start?: Point;
  lr?: number[];
  out: string[];
  json?: string;
}

/**
 * Completes parsed flags with the function's defaults and checks the
 * combinations that no single flag can check.
 * @throws Error naming the flags at odds and how to fix them.
 */
export function resolveSettings(flags: LandscapeFlags): LandscapeSettings {
  const fn = getTestFunction(flags.function);
  const optimizers = flags.optimizers;
  let learningRates: (number | undefined)[] = optimizers.map(() => undefined);
  if (flags.lr !== undefined) {
    if (flags.lr.length === 1) {
      learningRates = optimizers.map(() => flags.lr![0]);
    } else if (flags.lr.length === optimizers.length) {
      learningRates = flags.lr;
    } else {
      throw new Error(
        `--lr lists ${flags.lr.length} rates but --optimizers lists ${optimizers.length} optimizers ` +
          `(${optimizers.join(", ")}). Give one rate for all of them, or one per optimizer in the same order.`,
      );
    }
  }
  return {
    fn,
    optimizers,
    learningRates,
    start: flags.start ?? fn.start,
    steps: flags.steps ?? fn.steps,
    out: flags.out,
    json: flags.json,
  };
}

/**
 * Checks every output file that `settings` names before any is written.
 * No part of its folder may be a file, the folder must be writable, and
 * the path itself must not be a folder.
 * @throws Error naming the flag, the path and the fix.
 */
export function checkOutputFiles(settings: LandscapeSettings): void {
  const files = [
    ...settings.out.map((path) => ({ flag: "--out", path })),
    ...(settings.json === undefined ? [] : [{ flag: "--json", path: settings.json }]),
  ];
  for (const { flag, path } of files) {
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new Error(`${flag} ${path}: ${path} is a folder, not a file. Choose another file name.`);
    }
    checkOutputFolder(dirname(path), flag);
  }
}

/** Runs every optimizer of `settings` and collects the runs in the JSON output's shape. */
export function runLandscape(settings: LandscapeSettings): LandscapeResult {
  const runs = settings.optimizers.map((optimizer, k) => {
    const lr = settings.learningRates[k];
    const options = lr === undefined ? {} : { lr };
    const trajectory = runTrajectory(settings.fn, optimizer, options, settings.start, settings.steps);
    return {
      optimizer,
      options: trajectory.options,
      points: trajectory.points,
      values: trajectory.values,
      diverged: trajectory.diverged,
    };
  });
  return {
    function: settings.fn.name,
    start: [settings.start[0], settings.start[1]],
    steps: settings.steps,
    runs,
  };
}

/** Draws the runs of `result` over the contours of `fn`, as a standalone SVG document. */
export function renderLandscapeSvg(fn: TestFunction, result: LandscapeResult): string {
  const colors = assignColors(result.runs.map((run, k) => `${k}:${run.optimizer}`));
  const runs: PlotRun[] = result.runs.map((run, k) => ({
    label: run.optimizer,
    detail: `lr ${run.options.lr}`,
    color: colors.get(`${k}:${run.optimizer}`)!,
    points: run.points,
    finalValue: run.values[run.values.length - 1],
    diverged: run.diverged,
  }));
  return landscapeSvg(fn, runs);
}

/** Writes the plots and the JSON that `settings` requests, and returns their paths. */
async function writeOutputs(settings: LandscapeSettings, result: LandscapeResult): Promise<string[]> {
  const written: string[] = [];
  const svg = settings.out.length > 0 ? renderLandscapeSvg(settings.fn, result) : "";
  for (const path of settings.out) {
    await mkdir(dirname(path), { recursive: true });
    const isPng = extname(path).toLowerCase() === ".png";
    // The report's renderer brings Vega along, so it loads only when a PNG is requested.
    const png = isPng ? (await import("../../report/charts.js")).svgToPng(svg) : undefined;
    await writeFile(path, png ?? svg);
    written.push(path);
  }
  if (settings.json !== undefined) {
    await mkdir(dirname(settings.json), { recursive: true });
    await writeFile(settings.json, `${JSON.stringify(result)}\n`);
    written.push(settings.json);
  }
  return written;
}

/** Formats one line per run: optimizer, learning rate, final value and point. */
export function formatSummary(settings: LandscapeSettings, result: LandscapeResult): string {
  const width = Math.max(...result.runs.map((run) => run.optimizer.length));
  const lines = [
    `${settings.fn.title} from (${settings.start.join(", ")}), ${settings.steps} steps:`,
  ];
  for (const run of result.runs) {
    const [x, y] = run.points[run.points.length - 1];
    // The plot's minus sign (U+2212) would not parse if copied from a terminal.
    const value = formatValue(run.values[run.values.length - 1]).replace(/\u2212/g, "-");
    const stepsTaken = run.points.length - 1;
    const ending = run.diverged ? `diverged after ${stepsTaken} steps, last f = ${value}` : `f = ${value}`;
    lines.push(
      `  ${run.optimizer.padEnd(width)}  lr ${String(run.options.lr).padEnd(7)} ${ending} at (${x.toPrecision(4)}, ${y.toPrecision(4)})`,
    );
  }
  return lines.join("\n");
}

/** Parses `--function`: the name of a built-in test function, in any case. */
export function parseFunctionName(text: string): string {
  const name = text.trim().toLowerCase();
  if (!testFunctionNames.includes(name)) {
    throw new InvalidArgumentError(
      `Unknown test function. Valid names: ${testFunctionNames.join(", ")}. ` +
        `Pass one of them, e.g. --function rosenbrock.`,
    );
  }
  return name;
}

/** Parses `--optimizers`: comma-separated names that createOptimizer accepts. */
export function parseOptimizerList(text: string): string[] {
  const names = text.split(",").map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !isAlgorithmName(name));
  if (names.length === 0 || unknown.length > 0) {
    const quoted = unknown.map((name) => JSON.stringify(name)).join(", ");
    throw new InvalidArgumentError(
      `Unknown optimizer ${quoted}. Valid names: ${algorithmNames.join(", ")}. ` +
        `Pass a comma-separated list such as --optimizers sgd,adam.`,
    );
  }
  return names;
}

/** Parses `--start`: two finite numbers separated by a comma. */
export function parseStart(text: string): Point {
  const parts = text.split(",");
  const numbers = parts.map(parseDecimal);
  if (numbers.length !== 2 || !numbers.every(Number.isFinite)) {
    throw new InvalidArgumentError(
      "The start must be two finite numbers separated by a comma. Pass e.g. --start -1.2,1.",
    );
  }
  return [numbers[0], numbers[1]];
}

/** Parses `--steps`: an integer from 0 to 100000. */
export function parseSteps(text: string): number {
  const steps = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || steps > 100_000) {
    throw new InvalidArgumentError("The step count must be an integer from 0 to 100000. Try --steps 300.");
  }
  return steps;
}

/** Parses `--lr`: one positive number, or a comma-separated list of them. */
export function parseLearningRates(text: string): number[] {
  const rates = text.split(",").map(parseDecimal);
  if (!rates.every((rate) => Number.isFinite(rate) && rate > 0)) {
    throw new InvalidArgumentError(
      "Each learning rate must be a positive number. Try --lr 0.01, or --lr 0.001,0.1 for two optimizers.",
    );
  }
  return rates;
}

/** Adds one `--out` path, which must end in .svg or .png. */
export function collectPlotPath(path: string, previous: string[]): string[] {
  if (!PLOT_EXTENSIONS.includes(extname(path).toLowerCase())) {
    // extname(".svg") is "", so a bare extension also lands here.
    const stem = path.replace(/\.[^./]*$/, "");
    const suggestion = stem === "" || stem.endsWith("/") ? `${stem}landscape.svg` : `${stem}.svg`;
    throw new InvalidArgumentError(`The plot file must end in .svg or .png. Try --out ${suggestion}.`);
  }
  return [...previous, path];
}

/** Parses `--json`: the path of a file, which must not be empty. */
export function parseJsonPath(path: string): string {
  if (path.trim() === "") {
    throw new InvalidArgumentError(`The JSON file needs a name, got "${path}". Try --json landscape.json.`);
  }
  return path;
}
