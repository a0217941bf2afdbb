import { describe, expect, it } from "vitest";

import { contourColor, contourMap } from "./contours.js";
import { getTestFunction } from "./functions.js";
import { formatValue, landscapeSvg } from "./svg.js";

describe("contourMap", () => {
  it("gives ascending levels with one band each", () => {
    const map = contourMap(getTestFunction("rastrigin"), { levels: 12, resolution: 60 });
    expect(map.log).toBe(false);
    expect(map.bands).toHaveLength(12);
    for (let k = 1; k < map.thresholds.length; k++) {
      expect(map.thresholds[k]).toBeGreaterThan(map.thresholds[k - 1]);
    }
    expect(map.bands[0].position).toBe(0);
    expect(map.bands[11].position).toBe(1);
  });

  it("spaces log levels geometrically above the minimum", () => {
    const map = contourMap(getTestFunction("rosenbrock"), { levels: 10, resolution: 60 });
    expect(map.log).toBe(true);
    const ratios = map.thresholds.slice(1).map((t, k) => t / map.thresholds[k]);
    for (const ratio of ratios) expect(ratio).toBeCloseTo(ratios[0], 8);
  });

  it("keeps every contour point inside the domain", () => {
    const fn = getTestFunction("six-hump-camel");
    const map = contourMap(fn, { resolution: 50 });
    const points = map.bands.flatMap((b) => b.polygons.flat(2));
    expect(points.length).toBeGreaterThan(0);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(fn.domain.x[0]);
      expect(x).toBeLessThanOrEqual(fn.domain.x[1]);
      expect(y).toBeGreaterThanOrEqual(fn.domain.y[0]);
      expect(y).toBeLessThanOrEqual(fn.domain.y[1]);
    }
  });

  it("rejects too few levels", () => {
    expect(() => contourMap(getTestFunction("booth"), { levels: 1 })).toThrow(/levels must be an integer >= 2, got 1/);
  });

  it("colours low levels lighter than high ones", () => {
    const brightness = (css: string) => css.match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b);
    expect(brightness(contourColor(0))).toBeGreaterThan(brightness(contourColor(1)));
  });
});

describe("landscapeSvg", () => {
  const fn = getTestFunction("himmelblau");
  const runs = [
    { label: "adam", detail: "lr 0.5", color: "#4e79a7", points: [[0, 0], [1, 1], [3, 2]] as [number, number][], finalValue: 0 },
    { label: "sgd <fast>", color: "#f28e2b", points: [[0, 0], [-1, 2]] as [number, number][], diverged: true },
  ];
  const svg = landscapeSvg(fn, runs, { contours: contourMap(fn, { resolution: 40 }) });

  it("draws one path per run", () => {
    expect(svg.match(/class="trajectory"/g)).toHaveLength(2);
    expect(svg).toContain('data-label="adam"');
  });

  it("marks each run's start and end and every minimum", () => {
    expect(svg.match(/class="start"/g)).toHaveLength(2);
    expect(svg.match(/class="end"/g)).toHaveLength(2);
    expect(svg.match(/class="minimum"/g)?.length).toBeGreaterThanOrEqual(fn.minima.length);
  });

  it("writes a legend with each run's outcome", () => {
    expect(svg).toContain("lr 0.5");
    expect(svg).toContain("final f = 0");
    expect(svg).toContain("diverged");
  });

  it("escapes labels", () => {
    expect(svg).toContain("sgd &#60;fast&#62;");
    expect(svg).not.toContain("<fast>");
  });

  it("is a standalone SVG document", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });
});

describe("landscapeSvg with paths beyond the plot", () => {
  // Himmelblau's domain is [-5, 5] in x and y, so the drawn bounds are [-15, 15].
  const fn = getTestFunction("himmelblau");
  const contours = contourMap(fn, { resolution: 40 });
  const draw = (points: [number, number][]) =>
    landscapeSvg(fn, [{ label: "run", color: "#4e79a7", points }], { contours });
  const trajectoryD = (svg: string) => svg.match(/class="trajectory" data-label="run" d="([^"]*)"/)![1];
  const numbers = (text: string) => text.match(/-?[\d.]+(e[-+]?\d+)?/g)!.map(Number);

  it("cuts a diverging path at the wider bounds", () => {
    const svg = draw([[0, 0], [4, 0], [-8, 1], [3e14, -2e14], [-1e15, 1e15]]);
    const d = trajectoryD(svg);
    expect(d.match(/[ML]/g)).toEqual(["M", "L", "L", "L"]);
    for (const value of numbers(d)) expect(Math.abs(value)).toBeLessThan(3000);
    expect(svg).not.toContain('class="end"');
    expect(svg).toContain('class="exit" data-label="run"');
    expect(svg).toContain("left the plot");
  });

  it("keeps a path that returns from beyond the plot", () => {
    const svg = draw([[0, 0], [9, 0], [1, 1]]);
    expect(trajectoryD(svg).match(/[ML]/g)).toEqual(["M", "L", "L"]);
    expect(svg).toContain('class="end"');
    expect(svg).not.toContain('class="exit"');
    expect(svg).not.toContain("left the plot");
  });

  it("points the exit arrow the way the path left", () => {
    // The path leaves through the right edge, so the arrow's tip is its rightmost corner.
    const svg = draw([[0, 0], [8, 0]]);
    const arrow = numbers(svg.match(/class="exit" data-label="run" d="([^"]*)"/)![1]);
    const xs = [arrow[0], arrow[2], arrow[4]];
    expect(xs[0]).toBe(Math.max(...xs));
    expect(arrow[1]).toBeCloseTo((arrow[3] + arrow[5]) / 2, 6);
    expect(svg).toContain('class="end"');
  });

  it("draws a path that starts far outside from where it enters", () => {
    const svg = draw([[-1e15, 0], [1e15, 0], [1, 0]]);
    for (const value of numbers(trajectoryD(svg))) expect(Math.abs(value)).toBeLessThan(3000);
    expect(svg).not.toContain('class="start"');
    expect(svg).toContain('class="end"');
  });
});

describe("formatValue", () => {
  it("uses three significant digits and exponents for extremes", () => {
    expect(formatValue(0.128345)).toBe("0.128");
    expect(formatValue(-78.33233)).toBe("−78.3");
    expect(formatValue(3.08e-5)).toBe("3.08e−5");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(-7.45e-5)).toBe("−7.45e−5");
  });
});
