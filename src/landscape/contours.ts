import { contours } from "d3-contour";
import { scaleLinear } from "d3-scale";

import type { Domain, TestFunction } from "./functions.js";

/** Options of {@link contourMap}. */
export interface ContourOptions {
  /** The rectangle to cover. Defaults to the function's domain. */
  domain?: Domain;
  /** Grid cells along the longer side of the domain. Default 160. */
  resolution?: number;
  /** Number of contour levels. Default 24. */
  levels?: number;
  /**
   * Space the levels logarithmically in f − f*, where f* is the lowest known
   * minimum (or the lowest sampled value). Defaults to the function's `logContours`.
   */
  log?: boolean;
}

/** The region where f is at least one level, as a GeoJSON-style MultiPolygon in (x, y). */
export interface ContourBand {
  /** The level, in units of f. */
  threshold: number;
  /** The level's position among all levels, from 0 (lowest) to 1 (highest), for colouring. */
  position: number;
  /** Polygons, each a list of rings (the first outer, the rest holes), each a list of [x, y]. */
  polygons: number[][][][];
}

/** Filled contours of a test function over a rectangle. */
export interface ContourMap {
  domain: Domain;
  log: boolean;
  /** The levels in units of f, ascending. */
  thresholds: number[];
  /** One band per level, lowest first, so drawing them in order nests higher ones on top. */
  bands: ContourBand[];
}

/** Fraction of the lowest and highest sampled values left out when choosing levels. */
const LOW_QUANTILE = 0.002;
const HIGH_QUANTILE = 0.98;

/**
 * Samples a test function on a grid and traces its filled contours with
 * d3-contour. Levels run evenly from a low to a high quantile of the sampled
 * values, in f or, with `log`, in log(f − f*), so a few extreme corners do not
 * squeeze every level into one band.
 *
 * @throws RangeError for a resolution below 2 or fewer than 2 levels.
 */
export function contourMap(fn: TestFunction, options: ContourOptions = {}): ContourMap {
  const domain = options.domain ?? fn.domain;
  const resolution = options.resolution ?? 160;
  const levels = options.levels ?? 24;
  const log = options.log ?? fn.logContours;
  if (!(Number.isInteger(resolution) && resolution >= 2)) {
    throw new RangeError(`contourMap: resolution must be an integer >= 2, got ${resolution}. Try 160.`);
  }
  if (!(Number.isInteger(levels) && levels >= 2)) {
    throw new RangeError(`contourMap: levels must be an integer >= 2, got ${levels}. Try 24.`);
  }

  const grid = sampleGrid(fn, domain, resolution);
  const floor = log ? logFloor(fn, grid.values) : 0;
  const transform = log ? (f: number) => Math.log(Math.max(f - floor, Number.MIN_VALUE)) : (f: number) => f;
  const inverse = log ? (g: number) => floor + Math.exp(g) : (g: number) => g;
  const transformed = grid.values.map(transform);

  const sorted = Float64Array.from(transformed.filter(Number.isFinite)).sort();
  const low = quantile(sorted, LOW_QUANTILE);
  const high = quantile(sorted, HIGH_QUANTILE);
  const levelsInG = Array.from({ length: levels }, (_, k) => low + ((high - low) * k) / (levels - 1));

  const toX = (gx: number) => domain.x[0] + (gx * (domain.x[1] - domain.x[0])) / grid.nx;
  const toY = (gy: number) => domain.y[0] + (gy * (domain.y[1] - domain.y[0])) / grid.ny;
  const generator = contours().size([grid.nx, grid.ny]).thresholds(levelsInG);
  const bands = generator(Array.from(transformed)).map((geometry, k) => ({
    threshold: inverse(geometry.value),
    position: k / (levels - 1),
    polygons: geometry.coordinates.map((polygon) =>
      polygon.map((ring) => ring.map(([gx, gy]) => [toX(gx), toY(gy)])),
    ),
  }));
  return { domain, log, thresholds: bands.map((b) => b.threshold), bands };
}

/**
 * Samples f at the centres of a grid of cells covering `domain`, row by row
 * from the lowest y, as d3-contour expects. Non-finite values become NaN.
 */
export function sampleGrid(
  fn: TestFunction,
  domain: Domain,
  resolution: number,
): { nx: number; ny: number; values: Float64Array } {
  const width = domain.x[1] - domain.x[0];
  const height = domain.y[1] - domain.y[0];
  const scale = resolution / Math.max(width, height);
  const nx = Math.max(2, Math.round(width * scale));
  const ny = Math.max(2, Math.round(height * scale));
  const values = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    const y = domain.y[0] + ((j + 0.5) * height) / ny;
    for (let i = 0; i < nx; i++) {
      const value = fn.value(domain.x[0] + ((i + 0.5) * width) / nx, y);
      values[j * nx + i] = Number.isFinite(value) ? value : NaN;
    }
  }
  return { nx, ny, values };
}

/** f* for log levels: the lowest known minimum, or the lowest sample if lower or unknown. */
function logFloor(fn: TestFunction, values: Float64Array): number {
  let lowest = Infinity;
  for (const value of values) if (value < lowest) lowest = value;
  for (const minimum of fn.minima) if (minimum.value < lowest) lowest = minimum.value;
  return lowest;
}

function quantile(sorted: Float64Array, q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[index];
}

/** Colours of the contour fill from the lowest level to the highest: pale, so paths stand out. */
const FILL_STOPS = ["#fbfdf5", "#e4f3dd", "#c8e6d8", "#aed3e3", "#a9bde3", "#bcafe0"];

const fillScale = scaleLinear<string>()
  .domain(FILL_STOPS.map((_, k) => k / (FILL_STOPS.length - 1)))
  .range(FILL_STOPS)
  .clamp(true);

/** Returns the fill colour for a contour band at `position` in [0, 1], as a CSS colour string. */
export function contourColor(position: number): string {
  return fillScale(position);
}
