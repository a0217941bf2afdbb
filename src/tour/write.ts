import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { renderSvg, svgToPng } from "../report/charts.js";
import { writeFileAtomic } from "../report/write.js";
import { buildTourMarkdown } from "./markdown.js";
import { type RenderedTourChart, buildTourHtml } from "./page.js";
import type { TourResult } from "./tour.js";

/** Paths of the files {@link writeTour} wrote. */
export interface WrittenTour {
  html: string;
  markdown: string;
  json: string;
  /** PNG charts, one per chart of the page. */
  charts: string[];
}

/**
 * Renders every chart (Vega-Lite specs to SVG, every SVG to PNG) and writes
 * `tour.html`, `tour.md`, `tour.json` and `charts/*.png` into `outDir`.
 */
export async function writeTour(tour: TourResult, outDir: string): Promise<WrittenTour> {
  await mkdir(join(outDir, "charts"), { recursive: true });
  const rendered = new Map<string, RenderedTourChart[]>();
  const pngPaths: string[] = [];
  for (const section of tour.sections) {
    const charts: RenderedTourChart[] = [];
    for (const chart of section.charts) {
      const svg = chart.svg ?? (await renderSvg(chart.spec));
      const png = join("charts", `${chart.id}.png`);
      await writeFileAtomic(join(outDir, png), svgToPng(svg));
      pngPaths.push(join(outDir, png));
      charts.push({ id: chart.id, title: chart.title, description: chart.description, svg, png });
    }
    rendered.set(section.id, charts);
  }

  const paths = {
    html: join(outDir, "tour.html"),
    markdown: join(outDir, "tour.md"),
    json: join(outDir, "tour.json"),
  };
  await writeFileAtomic(paths.html, buildTourHtml(tour, rendered));
  await writeFileAtomic(paths.markdown, buildTourMarkdown(tour, rendered));
  await writeFileAtomic(paths.json, `${JSON.stringify(tourJson(tour), jsonNumber, 2)}\n`);
  return { ...paths, charts: pngPaths };
}

/**
 * Returns the content of `tour.json`: every section's claim, verdict, checks,
 * settings, tables and numbers, without the charts.
 */
export function tourJson(tour: TourResult) {
  return {
    format: "descent-tour",
    version: 1,
    size: tour.size,
    seed: tour.seed,
    ...(tour.only === undefined ? {} : { only: tour.only }),
    seconds: tour.seconds,
    experimentSeconds: tour.experimentSeconds,
    sections: tour.sections.map(({ charts, ...section }) => ({
      ...section,
      charts: charts.map((chart) => chart.id),
    })),
  };
}

/** Writes non-finite numbers as the strings "Infinity", "-Infinity" and "NaN", which JSON lacks. */
function jsonNumber(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}
