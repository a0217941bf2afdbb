import type { TopLevelSpec } from "vega-lite";

import { SERIES_COLORS } from "../report/palette.js";
import { CHART_FONT, downsample, logTicks } from "../report/specs.js";
import type { SceneChart } from "./types.js";

/** Plot area of a tour chart in SVG pixels; axes, title and legend add to it. */
export const TOUR_CHART_WIDTH = 560;
export const TOUR_CHART_HEIGHT = 260;

/** Most points drawn per line; longer series keep every k-th point. */
const MAX_POINTS = 400;

/**
 * Colour of each optimizer, the same in every chart of the tour. Labels with
 * a suffix (`adam, β2 = 0.1`) take the colour of their first word.
 */
const OPTIMIZER_COLORS: Readonly<Record<string, string>> = {
  sgd: "#4e79a7",
  momentum: "#f28e2b",
  nesterov: "#8c2d04",
  adagrad: "#59a14f",
  adadelta: "#76b7b2",
  rmsprop: "#b07aa1",
  adam: "#e15759",
  amsgrad: "#1f3a93",
  adamax: "#9c755f",
  nadam: "#c51b7d",
  adabound: "#006d2c",
  amsbound: "#6a3d9a",
};

/** Returns the tour's colour for an optimizer name, or a fallback by position. */
export function colorOf(name: string, index = 0): string {
  const key = name.split(/[\s,(]/)[0].toLowerCase();
  return OPTIMIZER_COLORS[key] ?? SERIES_COLORS[(13 + index) % SERIES_COLORS.length];
}

/** One line of a chart. */
export interface LineSeries {
  label: string;
  /** Defaults to {@link colorOf} the label. */
  color?: string;
  /** Draws the line dashed, to set a variant apart from its base. */
  dashed?: boolean;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Scale of a chart axis. */
export type AxisScale = "linear" | "log";

/** Options of {@link lineChart}: the series, axes and labels to draw. */
export interface LineChartOptions {
  id: string;
  title: string;
  description: string;
  xTitle: string;
  yTitle: string;
  xScale?: AxisScale;
  yScale?: AxisScale;
  /** Draws x ticks at whole numbers only, for steps and epochs. */
  xWhole?: boolean;
  series: readonly LineSeries[];
  /** Horizontal reference lines, such as the optimum. */
  rules?: ReadonlyArray<{ y: number; label: string }>;
  /** Fixed vertical range; by default the data's. */
  yDomain?: readonly [number, number];
  legendTitle?: string;
}

type Row = Record<string, number | string>;

/**
 * Builds a line chart with one line per series. On a log axis, points that
 * are not finite and positive are left out; a linear axis leaves out only
 * non-finite points.
 */
export function lineChart(options: LineChartOptions): SceneChart {
  const xScale = options.xScale ?? "linear";
  const yScale = options.yScale ?? "linear";
  const drawable = (value: number, scale: AxisScale) =>
    Number.isFinite(value) && (scale === "linear" || value > 0);
  const rows: Row[] = options.series.flatMap((series) =>
    downsample(
      series.points.filter(([x, y]) => drawable(x, xScale) && drawable(y, yScale)),
      MAX_POINTS,
    ).map(([x, y]) => ({ series: series.label, x, y })),
  );
  const labels = options.series.map((series) => series.label);
  const colors = options.series.map((series, index) => series.color ?? colorOf(series.label, index));
  const dashes = options.series.map((series) => (series.dashed ? [6, 4] : [1, 0]));
  const yValues = rows.map((row) => row.y as number);
  const xValues = rows.map((row) => row.x as number);

  const lines = {
    mark: { type: "line", clip: true, interpolate: "linear" },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: options.xTitle,
        ...axisEncoding(xScale, xValues, undefined, options.xWhole),
      },
      y: {
        field: "y",
        type: "quantitative",
        title: options.yTitle,
        ...axisEncoding(yScale, yValues, options.yDomain),
      },
      color: {
        field: "series",
        type: "nominal",
        title: options.legendTitle ?? "optimizer",
        sort: labels,
        scale: { domain: labels, range: colors },
      },
      strokeDash: {
        field: "series",
        type: "nominal",
        title: options.legendTitle ?? "optimizer",
        sort: labels,
        scale: { domain: labels, range: dashes },
      },
      order: { field: "x", type: "quantitative" },
    },
  };
  const rules = (options.rules ?? []).map((rule) => ({
    data: { values: [{ y: rule.y, label: rule.label }] },
    layer: [
      { mark: { type: "rule", color: "#888888", strokeDash: [2, 3] }, encoding: { y: { field: "y", type: "quantitative" } } },
      {
        mark: { type: "text", align: "right", baseline: "bottom", dx: -4, dy: -3, color: "#666666", fontSize: 11, x: "width" },
        encoding: { y: { field: "y", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  }));

  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title,
    width: TOUR_CHART_WIDTH,
    height: TOUR_CHART_HEIGHT,
    background: "white",
    padding: 10,
    config: CHART_CONFIG,
    data: { values: rows },
    layer: [lines, ...rules],
  } as unknown as TopLevelSpec;
  return { id: options.id, title: options.title, description: options.description, spec };
}

/** Scale and axis encoding of one axis for the values it shows. */
function axisEncoding(
  scale: AxisScale,
  values: readonly number[],
  domain?: readonly [number, number],
  whole = false,
): Record<string, unknown> {
  if (scale === "log") {
    const ticks = logTicks(
      domain?.[0] ?? Math.min(...values),
      domain?.[1] ?? Math.max(...values),
    );
    return {
      scale: { type: "log", domain: [ticks[0], ticks.at(-1)], nice: false },
      axis: { values: ticks, format: "~g" },
    };
  }
  return {
    scale: domain ? { domain: [...domain], nice: false } : { zero: false },
    axis: whole ? { format: ",d", tickMinStep: 1 } : { format: ",~r" },
  };
}

export const CHART_CONFIG = {
  font: CHART_FONT,
  title: { fontSize: 14, anchor: "start", offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6", titlePadding: 8 },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    labelLimit: 260,
    titleLimit: 260,
    symbolType: "stroke",
    symbolStrokeWidth: 2,
  },
  view: { stroke: "#cccccc" },
  line: { strokeWidth: 2 },
};
