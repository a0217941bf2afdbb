import type { TopLevelSpec } from "vega-lite";

import { assignColors } from "./palette.js";
import { runLabel, type ReportInput, type RunResult } from "./types.js";

/** Font family of all chart text. `charts.ts` loads a bundled copy for PNGs. */
export const CHART_FONT = "DejaVu Sans";

/** Plot area size in SVG pixels. Axes, title and legend add to it. */
export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 300;

/** Maximum points drawn per series, which keeps SVGs small for long runs. */
export const MAX_POINTS_PER_SERIES = 600;

/** A chart of the report, before rendering. */
export interface ChartSpec {
  /** File name stem of the PNG and anchor in the HTML page, such as `test-accuracy`. */
  id: string;
  title: string;
  /** One sentence for the HTML caption: what is drawn and how. */
  description: string;
  spec: TopLevelSpec;
}

type Row = Record<string, number | string>;

/** Series a chart draws, with their colours taken from the whole report. */
interface Series {
  domain: string[];
  range: string[];
}

/** Vertical scale of a line chart. */
type YScale = "log" | "linear" | "zero" | "percent";

/** A line chart with one line per run, before colours are attached. */
interface LineChart extends Omit<ChartSpec, "spec"> {
  rows: Row[];
  x: "step" | "epoch";
  y: string;
  yTitle: string;
  yScale: YScale;
  /** Marks each point, so that a series of a single point still shows. */
  points: boolean;
  /** Draws test rows dashed and training rows solid (rows carry a `split`). */
  dashBySplit?: boolean;
}

/**
 * Builds the report's charts: training loss per step and per epoch, test
 * accuracy, seconds per epoch, the effective learning rate and the learning
 * rate per step. A chart whose data no run recorded is left out, so step
 * charts need `steps` and the learning-rate charts need `lr` or `effectiveLr`.
 * Each run keeps its colour in every chart.
 */
export function buildChartSpecs(input: ReportInput): ChartSpec[] {
  const colors = assignColors(input.runs.map(runLabel));
  return lineCharts(input)
    .filter((chart) => chart.rows.length > 0)
    .map((chart) => {
      const present = new Set(chart.rows.map((row) => row.run as string));
      const domain = [...colors.keys()].filter((label) => present.has(label));
      const range = domain.map((label) => colors.get(label)!);
      return {
        id: chart.id,
        title: chart.title,
        description: chart.description,
        spec: lineChartSpec(chart, { domain, range }),
      };
    });
}

function lineCharts(input: ReportInput): LineChart[] {
  const runs = input.runs;
  const span = smoothingSpan(Math.max(...runs.map((run) => run.steps.length)));
  const effectiveLr = runs.flatMap((run) => stepValueRows(run, "effectiveLr"));
  const lr = runs.flatMap((run) => stepValueRows(run, "lr"));
  const lrLog = lr.every((row) => (row.lr as number) > 0);

  return [
    {
      id: "loss-per-step",
      title: "Training loss per step (smoothed)",
      description:
        "Minibatch training loss, smoothed by an exponential moving " +
        `average over about ${span} steps, on a log scale.`,
      rows: runs.flatMap((run) => smoothedLossRows(run, span)),
      x: "step",
      y: "loss",
      yTitle: "training loss",
      yScale: "log",
      points: false,
    },
    {
      id: "loss-per-epoch",
      title: "Loss per epoch",
      description:
        "Mean training loss over each epoch (solid) and test loss after " +
        "it (dashed), on a log scale.",
      rows: runs.flatMap(epochLossRows),
      x: "epoch",
      y: "loss",
      yTitle: "loss",
      yScale: "log",
      points: true,
      dashBySplit: true,
    },
    {
      id: "test-accuracy",
      title: "Test accuracy per epoch",
      description:
        "Share of the test set classified correctly after each epoch.",
      rows: runs.flatMap((run) => epochRows(run, "testAccuracy")),
      x: "epoch",
      y: "testAccuracy",
      yTitle: "test accuracy",
      yScale: "percent",
      points: true,
    },
    {
      id: "time-per-epoch",
      title: "Time per epoch",
      description: "Wall-clock seconds spent on each epoch.",
      rows: runs.flatMap((run) => epochRows(run, "seconds")),
      x: "epoch",
      y: "seconds",
      yTitle: "seconds",
      yScale: "zero",
      points: true,
    },
    {
      id: "effective-lr",
      title: "Effective learning rate",
      description:
        "Median step size over the weights that have had a non-zero " +
        "gradient (an evenly spaced sample of about 100,000 in larger " +
        "models), such as lr / (√v̂ + eps) for Adam, on a log scale. For " +
        "SGD, with or without momentum, the step size is the learning " +
        "rate, so its line is a reference for the adaptive methods.",
      rows: effectiveLr,
      x: "step",
      y: "effectiveLr",
      yTitle: "effective learning rate",
      yScale: "log",
      points: maxSeriesLength(effectiveLr) <= 60,
    },
    {
      id: "lr-per-step",
      title: "Learning rate per step",
      description:
        "Learning rate set for each step" +
        (lrLog
          ? ", on a log scale."
          : ", on a linear scale because some rates are 0."),
      rows: lr,
      x: "step",
      y: "lr",
      yTitle: "learning rate",
      yScale: lrLog ? "log" : "linear",
      points: maxSeriesLength(lr) <= 60,
    },
  ];
}

/**
 * Builds a chart of a learning-rate schedule: `values[i][g]` is the rate of
 * parameter group g after i scheduler steps, as `getLastLr()` returns it after
 * each step. One line per group, on a linear scale.
 */
export function lrScheduleSpec(
  values: number[][],
  title: string,
): TopLevelSpec {
  validateScheduleValues(values, title);
  const groups = values[0].length;
  const rows: Row[] = values.flatMap((rates, step) =>
    rates.map((lr, group) => ({
      run: groups === 1 ? "lr" : `group ${group}`,
      step,
      lr,
    })),
  );
  const domain = [...new Set(rows.map((row) => row.run as string))];
  const colors = assignColors(domain);
  const chart: LineChart = {
    id: "lr-schedule",
    title,
    description: "",
    rows: downsampleRows(rows),
    x: "step",
    y: "lr",
    yTitle: "learning rate",
    yScale: "linear",
    points: values.length <= 60,
  };
  const series = { domain, range: domain.map((label) => colors.get(label)!) };
  return lineChartSpec(chart, series, {
    legend: groups > 1,
    legendTitle: "parameter group",
  });
}

function validateScheduleValues(values: number[][], title: string): void {
  if (!Array.isArray(values) || values.length === 0) {
    throw new RangeError(
      `Schedule "${title}" has no values: pass one array of rates per step.`,
    );
  }
  const groups = Array.isArray(values[0]) ? values[0].length : 0;
  values.forEach((rates, step) => {
    if (
      !Array.isArray(rates) ||
      rates.length === 0 ||
      rates.length !== groups
    ) {
      throw new RangeError(
        `Schedule "${title}", step ${step}: expected an array of ` +
          `${groups || "at least 1"} rates (one per parameter group, the ` +
          "same count at every step).",
      );
    }
    rates.forEach((rate, group) => {
      if (typeof rate !== "number" || !Number.isFinite(rate)) {
        throw new RangeError(
          `Schedule "${title}", step ${step}, group ${group}: rate must be ` +
            `a finite number, got ${String(rate)}.`,
        );
      }
    });
  });
}

function lineChartSpec(
  chart: LineChart,
  series: Series,
  legend = { legend: true, legendTitle: "optimizer" },
): TopLevelSpec {
  const encoding: Record<string, unknown> = {
    x: {
      field: chart.x,
      type: "quantitative",
      title: chart.x,
      axis: { tickMinStep: 1, format: ",d" },
    },
    y: {
      field: chart.y,
      type: "quantitative",
      title: chart.yTitle,
      ...yScaleEncoding(
        chart.yScale,
        chart.rows.map((row) => row[chart.y] as number),
      ),
    },
    color: {
      field: "run",
      type: "nominal",
      title: legend.legendTitle,
      scale: { domain: series.domain, range: series.range },
      ...(legend.legend ? {} : { legend: null }),
    },
  };
  if (chart.dashBySplit) {
    encoding.strokeDash = {
      field: "split",
      type: "nominal",
      title: "loss",
      scale: {
        domain: ["training", "test"],
        range: [
          [1, 0],
          [6, 4],
        ],
      },
    };
  }

  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: chart.title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    background: "white",
    padding: 12,
    config: CHART_CONFIG,
    data: { values: chart.rows },
    mark: { type: "line", point: chart.points },
    encoding,
  } as TopLevelSpec;
}

const CHART_CONFIG = {
  font: CHART_FONT,
  title: { fontSize: 15, anchor: "start", offset: 12 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    gridColor: "#e6e6e6",
    titlePadding: 8,
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    labelLimit: 240,
    symbolType: "stroke",
    symbolStrokeWidth: 2,
  },
  view: { stroke: "#cccccc" },
  line: { strokeWidth: 2 },
  point: { size: 28, filled: true },
};

function yScaleEncoding(
  scale: YScale,
  values: number[],
): Record<string, unknown> {
  switch (scale) {
    case "log": {
      const ticks = logTicks(Math.min(...values), Math.max(...values));
      return {
        scale: { type: "log", domain: [ticks[0], ticks.at(-1)], nice: false },
        axis: { values: ticks, format: "~g" },
      };
    }
    case "percent":
      return { scale: { zero: false }, axis: { format: ".0%" } };
    case "zero":
      return { scale: { zero: true }, axis: { format: "~g" } };
    case "linear":
      return { scale: { zero: false }, axis: { format: "~g" } };
  }
}

/**
 * Chooses tick values for a log axis from `min` to `max` (both > 0): 1, 2 and
 * 5 times powers of ten, or powers of ten alone over more than 4 decades. The
 * first and last tick enclose the data, so they make a tight domain.
 */
export function logTicks(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(min)) - 1;
  const high = Math.ceil(Math.log10(max)) + 1;
  const multiples = high - low > 6 ? [1] : [1, 2, 5];
  const candidates: number[] = [];
  for (let power = low; power <= high; power++) {
    for (const multiple of multiples) {
      candidates.push(Number((multiple * 10 ** power).toPrecision(12)));
    }
  }

  let first = 0;
  while (candidates[first + 1] <= min) {
    first++;
  }
  let last = candidates.length - 1;
  while (candidates[last - 1] >= max) {
    last--;
  }
  // A constant series would give one tick and an empty domain.
  if (first === last) {
    first--;
    last++;
  }
  return candidates.slice(first, last + 1);
}

/**
 * Chooses the smoothing span for step losses: about 1/50 of the longest run,
 * at least 1 step (no smoothing).
 */
export function smoothingSpan(steps: number): number {
  return Math.max(1, Math.round(steps / 50));
}

/**
 * Smooths a series with a bias-corrected exponential moving average of the
 * given span (decay 1 − 2 / (span + 1)), so early values are not pulled
 * towards 0. A span of 1 returns the values unchanged.
 */
export function smoothSeries(
  values: readonly number[],
  span: number,
): number[] {
  const decay = 1 - 2 / (span + 1);
  let average = 0;
  let weight = 1;
  return values.map((value) => {
    average = decay * average + (1 - decay) * value;
    weight *= decay;
    return average / (1 - weight);
  });
}

/**
 * Keeps every k-th element (and the last) so that at most `maxPoints` remain.
 */
export function downsample<T>(
  items: readonly T[],
  maxPoints = MAX_POINTS_PER_SERIES,
): T[] {
  if (items.length <= maxPoints) {
    return [...items];
  }
  const stride = Math.ceil(items.length / (maxPoints - 1));
  const kept = items.filter((_, index) => index % stride === 0);
  if (kept.at(-1) !== items.at(-1)) {
    kept.push(items.at(-1)!);
  }
  return kept;
}

/** Downsamples each run's rows separately, keeping their order. */
function downsampleRows(rows: Row[]): Row[] {
  const byRun = new Map<string, Row[]>();
  for (const row of rows) {
    const list = byRun.get(row.run as string) ?? [];
    list.push(row);
    byRun.set(row.run as string, list);
  }
  return [...byRun.values()].flatMap((list) => downsample(list));
}

/**
 * Smooths a run's step losses for a log axis. Losses that are not finite and
 * positive (a diverged run, a loss of exactly 0) cannot be drawn there and are
 * left out before smoothing.
 */
function smoothedLossRows(run: RunResult, span: number): Row[] {
  const steps = run.steps.filter((s) => Number.isFinite(s.loss) && s.loss > 0);
  const smoothed = smoothSeries(
    steps.map((s) => s.loss),
    span,
  );
  const label = runLabel(run);
  const rows = steps.map((s, i) => ({
    run: label,
    step: s.step,
    loss: smoothed[i],
  }));
  return downsample(rows);
}

function epochLossRows(run: RunResult): Row[] {
  const label = runLabel(run);
  const drawable = (loss: number) => Number.isFinite(loss) && loss > 0;
  return run.epochs.flatMap((e) => [
    ...(drawable(e.trainLoss)
      ? [{ run: label, epoch: e.epoch, loss: e.trainLoss, split: "training" }]
      : []),
    ...(drawable(e.testLoss)
      ? [{ run: label, epoch: e.epoch, loss: e.testLoss, split: "test" }]
      : []),
  ]);
}

function epochRows(run: RunResult, field: "testAccuracy" | "seconds"): Row[] {
  const label = runLabel(run);
  return run.epochs
    .filter((e) => Number.isFinite(e[field]))
    .map((e) => ({ run: label, epoch: e.epoch, [field]: e[field] }));
}

/**
 * Rows of a per-step rate. Effective rates of 0 are dropped because their
 * chart is always on a log axis; learning rates of 0 switch their chart to a
 * linear axis instead.
 */
function stepValueRows(run: RunResult, field: "lr" | "effectiveLr"): Row[] {
  const label = runLabel(run);
  const rows = run.steps
    .filter((s) => s[field] !== undefined && (field === "lr" || s[field]! > 0))
    .map((s) => ({ run: label, step: s.step, [field]: s[field]! }));
  return downsample(rows);
}

function maxSeriesLength(rows: Row[]): number {
  const counts = new Map<string, number>();
  for (const row of rows) {
    counts.set(row.run as string, (counts.get(row.run as string) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}
