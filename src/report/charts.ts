import { createRequire } from "node:module";

import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

import { buildChartSpecs, CHART_FONT, lrScheduleSpec } from "./specs.js";
import type { ReportInput } from "./types.js";
import { validateReportInput } from "./validate.js";

/** Factor from SVG pixels to PNG pixels, so PNGs stay sharp on dense screens. */
export const PNG_SCALE = 2;

/** A rendered chart: SVG for the HTML page, PNG for files. */
export interface RenderedChart {
  id: string;
  title: string;
  description: string;
  svg: string;
  png: Buffer;
}

const require = createRequire(import.meta.url);

/**
 * DejaVu Sans from the `dejavu-fonts-ttf` package. resvg loads only these
 * files, so PNG text looks the same on every machine, including one with no
 * system fonts.
 */
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${file}`),
);

const RESVG_OPTIONS: ResvgRenderOptions = {
  fitTo: { mode: "zoom", value: PNG_SCALE },
  background: "white",
  font: {
    loadSystemFonts: false,
    fontFiles: FONT_FILES,
    defaultFontFamily: CHART_FONT,
    sansSerifFamily: CHART_FONT,
  },
};

/**
 * Renders a Vega-Lite spec to an SVG string with Vega's headless view.
 * Text widths are estimated, since no canvas is available to measure them.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG to PNG at `PNG_SCALE` with the bundled DejaVu fonts. */
export function svgToPng(svg: string): Buffer {
  return rasterize(svg).asPng();
}

/** Rasterises an SVG with the bundled fonts and returns the image, pixels included. */
export function rasterize(svg: string) {
  return new Resvg(svg, RESVG_OPTIONS).render();
}

/**
 * Renders every chart of a report (see `buildChartSpecs` for which ones).
 * Throws before rendering anything if the input is invalid.
 */
export async function renderCharts(
  input: ReportInput,
): Promise<RenderedChart[]> {
  validateReportInput(input);
  const charts: RenderedChart[] = [];
  for (const { spec, ...chart } of buildChartSpecs(input)) {
    const svg = await renderSvg(spec);
    charts.push({ ...chart, svg, png: svgToPng(svg) });
  }
  return charts;
}

/**
 * Draws a learning-rate schedule: `values[i][g]` is the rate of parameter
 * group g after i scheduler steps (what `getLastLr()` returns after each
 * step). Returns the chart as SVG and as PNG.
 */
export async function renderLrSchedule(
  values: number[][],
  title: string,
): Promise<{ svg: string; png: Buffer }> {
  const svg = await renderSvg(lrScheduleSpec(values, title));
  return { svg, png: svgToPng(svg) };
}
