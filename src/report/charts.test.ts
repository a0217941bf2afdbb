import { beforeAll, describe, expect, it } from "vitest";

import {
  lineStrokes,
  PNG_SIGNATURE,
  pngSize,
  syntheticReport,
} from "../../test/helpers/report-input.js";
import {
  PNG_SCALE,
  rasterize,
  renderCharts,
  renderLrSchedule,
  svgToPng,
  type RenderedChart,
} from "./charts.js";
import { SERIES_COLORS } from "./palette.js";

const COLORS = {
  sgd: SERIES_COLORS[0],
  adam: SERIES_COLORS[1],
  adabound: SERIES_COLORS[2],
};

function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg [^>]*>/.exec(svg)![0];
  return {
    width: Number(/ width="([\d.]+)"/.exec(root)![1]),
    height: Number(/ height="([\d.]+)"/.exec(root)![1]),
  };
}

/** Counts pixels darker than mid-grey in a region given in SVG pixels. */
function darkPixels(
  svg: string,
  region?: { x: number; y: number; width: number; height: number },
) {
  const image = rasterize(svg);
  // The pixels getter copies the whole image, so read it once.
  const pixels = image.pixels;
  const { x, y, width, height } = region ?? {
    x: 0,
    y: 0,
    width: image.width / PNG_SCALE,
    height: image.height / PNG_SCALE,
  };
  let count = 0;
  for (let row = y * PNG_SCALE; row < (y + height) * PNG_SCALE; row++) {
    for (
      let column = x * PNG_SCALE;
      column < (x + width) * PNG_SCALE;
      column++
    ) {
      const offset = (row * image.width + column) * 4;
      const [r, g, b] = pixels.subarray(offset, offset + 3);
      if (r + g + b < 3 * 128) {
        count++;
      }
    }
  }
  return count;
}

describe("renderCharts", () => {
  let charts: RenderedChart[];

  beforeAll(async () => {
    charts = await renderCharts(syntheticReport());
  });

  it("renders every chart of the report", () => {
    expect(charts.map((chart) => chart.id)).toEqual([
      "loss-per-step",
      "loss-per-epoch",
      "test-accuracy",
      "time-per-epoch",
      "effective-lr",
      "lr-per-step",
    ]);
  });

  it("writes PNGs with the PNG signature", () => {
    for (const chart of charts) {
      expect([...chart.png.subarray(0, 8)], chart.id).toEqual(PNG_SIGNATURE);
    }
  });

  it("scales PNGs to twice the SVG size", () => {
    for (const chart of charts) {
      const svg = svgSize(chart.svg);
      expect(svg.width, chart.id).toBeGreaterThan(600);
      expect(pngSize(chart.png), chart.id).toEqual({
        width: Math.ceil(svg.width * PNG_SCALE),
        height: Math.ceil(svg.height * PNG_SCALE),
      });
    }
  });

  it("draws one line per run in its colour", () => {
    const runsPerChart: Record<string, string[]> = {
      "loss-per-step": ["sgd", "adam", "adabound"],
      "test-accuracy": ["sgd", "adam", "adabound"],
      "time-per-epoch": ["sgd", "adam", "adabound"],
      "effective-lr": ["adam", "adabound"],
      "lr-per-step": ["sgd", "adam", "adabound"],
    };
    for (const [id, runs] of Object.entries(runsPerChart)) {
      const chart = charts.find((c) => c.id === id)!;
      const expected = runs.map((run) => ({
        run,
        stroke: COLORS[run as keyof typeof COLORS],
      }));
      expect(lineStrokes(chart.svg), id).toEqual(expected);
    }
  });

  it("draws training and test loss per epoch for each run", () => {
    const chart = charts.find((c) => c.id === "loss-per-epoch")!;
    const strokes = lineStrokes(chart.svg);
    expect(strokes).toHaveLength(6);
    for (const run of ["sgd", "adam", "adabound"] as const) {
      const lines = strokes.filter((line) => line.run === run);
      expect(lines, run).toEqual([
        { run, stroke: COLORS[run] },
        { run, stroke: COLORS[run] },
      ]);
    }
    expect(chart.svg).toContain('stroke-dasharray="6,4"');
  });

  it("names the series in a legend", () => {
    for (const chart of charts) {
      expect(chart.svg, chart.id).toContain('aria-roledescription="legend"');
    }
  });

  it("renders the title text into the PNG", () => {
    const chart = charts.find((c) => c.id === "test-accuracy")!;
    const titleArea = { x: 0, y: 0, width: 300, height: 40 };
    expect(darkPixels(chart.svg, titleArea)).toBeGreaterThan(200);
  });

  it("rejects input with duplicate labels", async () => {
    const input = syntheticReport();
    input.runs[1].label = "sgd";
    await expect(renderCharts(input)).rejects.toThrow(
      /Two runs are labelled "sgd"/,
    );
  });
});

describe("svgToPng", () => {
  it("renders text with the bundled font", () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">' +
      '<rect width="200" height="40" fill="white"/>' +
      '<text x="10" y="28" font-family="DejaVu Sans" font-size="20">Loss 0.25</text></svg>';
    expect(darkPixels(svg)).toBeGreaterThan(300);
  });

  it("falls back to the bundled font for generic families", () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">' +
      '<text x="10" y="28" font-family="sans-serif" font-size="20">Accuracy</text></svg>';
    expect(darkPixels(svg)).toBeGreaterThan(300);
  });

  it("paints a white background", () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>';
    const png = svgToPng(svg);
    expect(pngSize(png)).toEqual({ width: 20, height: 20 });
    expect(darkPixels(svg)).toBe(0);
  });
});

describe("renderLrSchedule", () => {
  it("draws one line per parameter group", async () => {
    const values = Array.from({ length: 30 }, (_, step) => [
      0.1 * 0.9 ** step,
      0.01,
    ]);
    const { svg, png } = await renderLrSchedule(values, "ExponentialLR");
    const lines = lineStrokes(svg, "parameter group");
    expect(lines.map((line) => line.run)).toEqual(["group 0", "group 1"]);
    expect(svg).toContain("ExponentialLR");
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it("hides the legend for a single group", async () => {
    const values = Array.from({ length: 10 }, (_, step) => [
      step < 5 ? 0.1 : 0.01,
    ]);
    const { svg } = await renderLrSchedule(values, "StepLR");
    expect(lineStrokes(svg, "parameter group")).toHaveLength(1);
    expect(svg).not.toContain('aria-roledescription="legend"');
  });
});
