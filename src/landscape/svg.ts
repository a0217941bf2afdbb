import { scaleLinear } from "d3-scale";
import { clipPolyline } from "lineclip";

import { type ContourMap, contourColor, contourMap } from "./contours.js";
import type { Domain, Point, TestFunction } from "./functions.js";

/** One optimizer's path to draw on a landscape plot. */
export interface PlotRun {
  /** Legend text, e.g. "adam". */
  label: string;
  /** Legend detail after the label, e.g. "lr 0.05". */
  detail?: string;
  /** Stroke colour, any CSS colour. */
  color: string;
  points: readonly Point[];
  /** Value at the last point, shown in the legend. */
  finalValue?: number;
  /** True when the run stopped early on a non-finite step, which the legend then shows. */
  diverged?: boolean;
}

/** Options of {@link landscapeSvg}. */
export interface PlotOptions {
  /** Width of the plotting area in pixels; the height follows the domain's aspect ratio. Default 560. */
  plotWidth?: number;
  /** Font family of every text element. Default "DejaVu Sans, sans-serif". */
  fontFamily?: string;
  /** Precomputed contours; by default {@link contourMap} of the function. */
  contours?: ContourMap;
}

const MARGIN = { top: 56, right: 24, bottom: 48, left: 56 };
const LEGEND_WIDTH = 250;
const LEGEND_ROW = 20;

/**
 * Draws a test function's filled contours with each run's path over them, the
 * start and end of each path marked, the known minima crossed, and a legend.
 * Returns a standalone SVG document.
 *
 * Each path is a `<path class="trajectory" data-label="...">` clipped to the
 * plot area. A path is drawn only until it first leaves the domain widened by
 * its own size on every side, so a diverging run stops there rather than at
 * its last point, far away. A path that ends outside the plot gets a
 * `class="exit"` arrow where it last crossed the plot's edge.
 */
export function landscapeSvg(
  fn: TestFunction,
  runs: readonly PlotRun[],
  options: PlotOptions = {},
): string {
  const map = options.contours ?? contourMap(fn);
  const { domain } = map;
  const plotWidth = options.plotWidth ?? 560;
  const aspect = (domain.y[1] - domain.y[0]) / (domain.x[1] - domain.x[0]);
  const plotHeight = Math.round(plotWidth * aspect);
  const paths = runs.map((run) => tracePath(run.points, domain));
  const hasExit = paths.some((path) => path.exit !== undefined);
  const legendRows = 2 * runs.length + (hasExit ? 6 : 5);
  const legendHeight = MARGIN.top + legendRows * LEGEND_ROW;
  const width = MARGIN.left + plotWidth + MARGIN.right + LEGEND_WIDTH;
  const height = Math.max(MARGIN.top + plotHeight + MARGIN.bottom, legendHeight);
  const font = options.fontFamily ?? "DejaVu Sans, sans-serif";

  const sx = scaleLinear().domain(domain.x).range([MARGIN.left, MARGIN.left + plotWidth]);
  const sy = scaleLinear().domain(domain.y).range([MARGIN.top + plotHeight, MARGIN.top]);
  const px = (x: number) => round(sx(x));
  const py = (y: number) => round(sy(y));

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(font)}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<defs><clipPath id="plot-area"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}"/></clipPath></defs>`,
    titleSvg(fn, map),
    `<g clip-path="url(#plot-area)">`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="${contourColor(0)}"/>`,
    ...map.bands.map((band) => bandSvg(band.polygons, contourColor(band.position), px, py)),
    ...fn.minima.map((m) => minimumSvg(px(m.point[0]), py(m.point[1]), m.global)),
    ...runs.map((run, k) => pathSvg(run, paths[k], px, py)),
    `</g>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#444"/>`,
    // Drawn over the frame and unclipped, so each arrow shows whole on the edge it crosses.
    ...runs.map((run, k) => exitSvg(run, paths[k], px, py)),
    axesSvg(sx, sy, plotWidth, plotHeight),
    legendSvg(fn, runs, hasExit, MARGIN.left + plotWidth + MARGIN.right),
    `</svg>`,
  ];
  return parts.join("\n");
}

function titleSvg(fn: TestFunction, map: ContourMap): string {
  const spacing = map.log ? "contours spaced logarithmically in f − f*" : "contours evenly spaced in f";
  return (
    `<text x="${MARGIN.left}" y="24" font-size="16" font-weight="bold">${escapeXml(fn.title)}</text>` +
    `<text x="${MARGIN.left}" y="42" font-size="11" fill="#555">f(x, y) = ${escapeXml(fn.formula)}; ${spacing}</text>`
  );
}

type Project = (value: number) => number;

function bandSvg(polygons: number[][][][], fill: string, px: Project, py: Project): string {
  let d = "";
  for (const polygon of polygons) {
    for (const ring of polygon) {
      // A tenth of a pixel is finer than any screen or the 2× PNG shows, and keeps files small.
      ring.forEach(([x, y], k) => {
        d += `${k === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      });
      d += "Z";
    }
  }
  if (d === "") return "";
  return `<path d="${d}" fill="${fill}" stroke="#50607a" stroke-opacity="0.35" stroke-width="0.6"/>`;
}

function minimumSvg(x: number, y: number, global: boolean): string {
  const r = global ? 5 : 4;
  const color = global ? "#111" : "#666";
  return `<path class="minimum" d="M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}" stroke="${color}" stroke-width="2"/>`;
}

/** The part of a run's path that a plot draws, in (x, y). */
interface TracedPath {
  /** Polylines to draw, each inside the domain widened by its own size on every side. */
  parts: Point[][];
  /** The start, if inside those bounds. */
  start?: Point;
  /** The last point, if the path reaches it without leaving those bounds. */
  end?: Point;
  /**
   * Where the path last crossed the domain's edge on its way out, if it ends
   * outside the domain, and an earlier point on that segment for the direction.
   */
  exit?: { point: Point; from: Point };
}

/** Corners of a rectangle as lineclip takes them: [xMin, yMin, xMax, yMax]. */
type Box = [number, number, number, number];

/**
 * Finds what to draw of a path: its points up to the first one beyond the
 * domain widened by its own size on every side (after the path has been
 * inside), clipped to that wider box.
 *
 * Clipping to a box that contains the plot leaves every visible pixel as it
 * was, but keeps coordinates within a few plot widths. resvg 2.6.2 (the PNG
 * renderer) left the whole clipped group blank, contours included, when a
 * diverging run's path reached 1e15 pixels.
 */
function tracePath(points: readonly Point[], domain: Domain): TracedPath {
  const plot: Box = [domain.x[0], domain.y[0], domain.x[1], domain.y[1]];
  const width = domain.x[1] - domain.x[0];
  const height = domain.y[1] - domain.y[0];
  const bounds: Box = [plot[0] - width, plot[1] - height, plot[2] + width, plot[3] + height];

  const firstInside = points.findIndex((point) => isInside(point, bounds));
  const leaves = points.findIndex((point, k) => k > firstInside && !isInside(point, bounds));
  const cutAt = firstInside < 0 || leaves < 0 ? points.length : leaves + 1;
  const pointsToDraw = points.slice(0, cutAt).map(([x, y]): [number, number] => [x, y]);
  if (pointsToDraw.length === 0) return { parts: [] };

  const start = pointsToDraw[0];
  const last = pointsToDraw[pointsToDraw.length - 1];
  return {
    parts: clipPolyline(pointsToDraw, bounds),
    start: isInside(start, bounds) ? start : undefined,
    end: isInside(last, bounds) ? last : undefined,
    exit: isInside(last, plot) ? undefined : lastExit(clipPolyline(pointsToDraw, plot)),
  };
}

/** Returns the end of the last clipped part and a point before it on the same line, if any. */
function lastExit(parts: Point[][]): TracedPath["exit"] {
  const part = parts.at(-1);
  if (part === undefined) return undefined;
  const point = part[part.length - 1];
  // A part that touches the edge at one point repeats it, which gives no direction.
  for (let k = part.length - 2; k >= 0; k--) {
    if (part[k][0] !== point[0] || part[k][1] !== point[1]) return { point, from: part[k] };
  }
  return undefined;
}

/** True when `point` lies in `box`, edges included. */
function isInside([x, y]: Point, box: Box): boolean {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

function pathSvg(run: PlotRun, path: TracedPath, px: Project, py: Project): string {
  const label = escapeXml(run.label);
  const d = path.parts
    .map((part) => part.map(([x, y], k) => `${k === 0 ? "M" : "L"}${px(x)},${py(y)}`).join(""))
    .join("");
  const parts: string[] = [];
  if (d !== "") {
    parts.push(
      `<path d="${d}" fill="none" stroke="white" stroke-width="4" stroke-opacity="0.7" stroke-linejoin="round"/>`,
      `<path class="trajectory" data-label="${label}" d="${d}" fill="none" stroke="${run.color}" stroke-width="2" stroke-linejoin="round"/>`,
    );
  }
  if (path.start !== undefined) {
    const [x, y] = path.start;
    parts.push(
      `<circle class="start" data-label="${label}" cx="${px(x)}" cy="${py(y)}" r="5" fill="white" stroke="${run.color}" stroke-width="2"/>`,
    );
  }
  if (path.end !== undefined) {
    const [x, y] = path.end;
    parts.push(
      `<circle class="end" data-label="${label}" cx="${px(x)}" cy="${py(y)}" r="5" fill="${run.color}" stroke="#222" stroke-width="1"/>`,
    );
  }
  return parts.join("\n");
}

/** Draws an arrow whose tip sits where the path left the plot, pointing the way it went. */
function exitSvg(run: PlotRun, path: TracedPath, px: Project, py: Project): string {
  if (path.exit === undefined) return "";
  const tipX = px(path.exit.point[0]);
  const tipY = py(path.exit.point[1]);
  const angle = Math.atan2(tipY - py(path.exit.from[1]), tipX - px(path.exit.from[0]));
  return `<path class="exit" data-label="${escapeXml(run.label)}" d="${arrowPath(tipX, tipY, angle)}" fill="${run.color}" stroke="#222" stroke-width="1"/>`;
}

/** Outlines a triangle 11 pixels long and 10 wide with its tip at (x, y), pointing at `angle` radians. */
function arrowPath(x: number, y: number, angle: number): string {
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  const [baseX, baseY] = [x - 11 * ux, y - 11 * uy];
  const corners = [
    [x, y],
    [baseX - 5 * uy, baseY + 5 * ux],
    [baseX + 5 * uy, baseY - 5 * ux],
  ];
  return `${corners.map(([cx, cy], k) => `${k === 0 ? "M" : "L"}${round(cx)},${round(cy)}`).join("")}Z`;
}

function axesSvg(
  sx: ReturnType<typeof scaleLinear<number>>,
  sy: ReturnType<typeof scaleLinear<number>>,
  plotWidth: number,
  plotHeight: number,
): string {
  const bottom = MARGIN.top + plotHeight;
  const parts: string[] = [];
  for (const tick of sx.ticks(8)) {
    const x = round(sx(tick));
    parts.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#444"/>`);
    parts.push(`<text x="${x}" y="${bottom + 18}" font-size="11" text-anchor="middle">${formatTick(tick)}</text>`);
  }
  for (const tick of sy.ticks(8)) {
    const y = round(sy(tick));
    parts.push(`<line x1="${MARGIN.left - 5}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="#444"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y + 4}" font-size="11" text-anchor="end">${formatTick(tick)}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${bottom + 38}" font-size="12" text-anchor="middle">x</text>`);
  parts.push(`<text x="${MARGIN.left - 40}" y="${MARGIN.top + plotHeight / 2}" font-size="12" text-anchor="middle">y</text>`);
  return parts.join("\n");
}

function legendSvg(fn: TestFunction, runs: readonly PlotRun[], hasExit: boolean, left: number): string {
  const parts: string[] = [];
  let y = MARGIN.top + 4;
  for (const run of runs) {
    const outcome = run.diverged
      ? "diverged"
      : run.finalValue !== undefined
        ? `final f = ${formatValue(run.finalValue)}`
        : "";
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + 22}" y2="${y}" stroke="${run.color}" stroke-width="3"/>`);
    parts.push(
      `<text x="${left + 28}" y="${y + 4}" font-size="12"><tspan font-weight="bold">${escapeXml(run.label)}</tspan>` +
        `<tspan fill="#444">${escapeXml(run.detail ? `  ${run.detail}` : "")}</tspan></text>`,
    );
    parts.push(`<text x="${left + 28}" y="${y + 19}" font-size="11" fill="#555">${escapeXml(outcome)}</text>`);
    y += 2 * LEGEND_ROW;
  }
  y += LEGEND_ROW / 2;
  parts.push(`<circle cx="${left + 11}" cy="${y}" r="5" fill="white" stroke="#444" stroke-width="2"/>`);
  parts.push(`<text x="${left + 28}" y="${y + 4}" font-size="11" fill="#444">start</text>`);
  y += LEGEND_ROW;
  parts.push(`<circle cx="${left + 11}" cy="${y}" r="5" fill="#888" stroke="#222"/>`);
  parts.push(`<text x="${left + 28}" y="${y + 4}" font-size="11" fill="#444">end</text>`);
  if (hasExit) {
    y += LEGEND_ROW;
    parts.push(`<path d="${arrowPath(left + 17, y, 0)}" fill="#888" stroke="#222"/>`);
    parts.push(`<text x="${left + 28}" y="${y + 4}" font-size="11" fill="#444">left the plot</text>`);
  }
  if (fn.minima.length > 0) {
    const hasLocal = fn.minima.some((m) => !m.global);
    y += LEGEND_ROW;
    parts.push(minimumSvg(left + 11, y, true));
    parts.push(
      `<text x="${left + 28}" y="${y + 4}" font-size="11" fill="#444">global minimum${hasLocal ? " (grey: local)" : ""}</text>`,
    );
  }
  return parts.join("\n");
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function formatTick(value: number): string {
  return String(Math.round(value * 1e6) / 1e6).replace(/-/g, "−");
}

/** Formats a function value with 3 significant digits, switching to exponent form for tiny or huge ones. */
export function formatValue(value: number): string {
  const magnitude = Math.abs(value);
  const text = magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)
    ? value.toExponential(2)
    : String(Number(value.toPrecision(3)));
  return text.replace(/-/g, "−");
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
