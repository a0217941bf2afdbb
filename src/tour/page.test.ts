import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { lineChart } from "./charts.js";
import { formatCount, formatFold, formatNumber, formatPercent, outcomeOf, verdictOf } from "./format.js";
import type { TourResult } from "./tour.js";
import type { SceneResult } from "./types.js";
import { type WrittenTour, writeTour } from "./write.js";

/** Builds a section with markup in its text and non-finite numbers, so that escaping and formatting show. */
function section(id: string, holds: boolean[]): SceneResult {
  const checks = holds.map((held, i) => ({ holds: held, text: `check ${i} of <${id}>`, criterion: `rule ${i} & more` }));
  return {
    id,
    title: `Section ${id}`,
    claim: `Claim with <b>markup</b> & "quotes" for ${id}.`,
    setup: "Setup text.",
    rule: "θ ← θ − η·g",
    settings: { seed: 0, "learning rates": "0.1, 1" },
    tables: [
      {
        rowHeading: "optimizer",
        columns: [
          { key: "value", label: "value" },
          { key: "share", label: "share", format: "percent" },
          { key: "steps", label: "steps | count", format: "integer" },
        ],
        rows: [
          { label: "sgd", values: { value: 0.000123, share: 0.5, steps: Infinity } },
          { label: "adam", values: { value: -2, share: 0.00011, steps: 1234 } },
        ],
      },
    ],
    numbers: { finite: 1.5, never: Infinity, missing: Number.NaN },
    checks,
    notes: ["A note."],
    outcome: outcomeOf(checks),
    verdict: verdictOf(checks),
    charts: [
      lineChart({
        id: `${id}-line`,
        title: "A line",
        description: "Two points.",
        xTitle: "step",
        yTitle: "loss",
        yScale: "log",
        series: [{ label: "sgd", points: [[0, 1], [1, 0.5]] }],
      }),
      {
        id: `${id}-drawn`,
        title: "A drawn SVG",
        description: "A rectangle with a clip path.",
        svg:
          '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><defs><clipPath id="plot-area">' +
          '<rect width="200" height="100"/></clipPath></defs><rect clip-path="url(#plot-area)" width="200" height="100" fill="#4e79a7"/></svg>',
      },
    ],
  };
}

const tour: TourResult = {
  size: "quick",
  seed: 7,
  sections: [section("first", [true, true]), section("second", [true, false]), section("third", [false])],
  seconds: 1.25,
  experimentSeconds: { first: 0.5 },
};

let dir: string;
let written: WrittenTour;
let html: string;
let markdown: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "descent-tour-page-"));
  written = await writeTour(tour, dir);
  html = await readFile(written.html, "utf8");
  markdown = await readFile(written.markdown, "utf8");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("tour formatting", () => {
  it("formats numbers with three significant digits", () => {
    expect(formatNumber(0.0421234)).toBe("0.0421");
    expect(formatNumber(12345)).toBe("12,300");
    expect(formatNumber(0.000031)).toBe("3.1e-5");
    expect(formatNumber(-2.5e7)).toBe("−2.5e7");
    expect(formatNumber(Infinity)).toBe("∞");
  });

  it("formats counts, folds and percentages", () => {
    expect(formatCount(20000)).toBe("20,000");
    expect(formatFold(40.4)).toBe("40-fold");
    expect(formatFold(2.46)).toBe("2.5-fold");
    expect(formatPercent(0.873)).toBe("87.3%");
    expect(formatPercent(0.00011)).toBe("0.011%");
  });

  it("derives the outcome from the checks", () => {
    expect(tour.sections.map((s) => s.outcome)).toEqual(["holds", "holds in part", "does not hold"]);
    expect(tour.sections[0].verdict).toBe("check 0 of <first>; check 1 of <first>.");
  });
});

describe("tour.html", () => {
  it("escapes the text of every section", () => {
    expect(html).toContain("Claim with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;");
    expect(html).not.toContain("<b>markup</b>");
    expect(html).toContain("rule 0 &amp; more");
  });

  it("gives each chart its own clip-path ids", () => {
    expect(html).toContain('id="first-drawn-plot-area"');
    expect(html).toContain('url(#second-drawn-plot-area)');
    expect(html).not.toContain('id="plot-area"');
  });

  it("inlines every chart as SVG and loads nothing", () => {
    expect(html.match(/<figure id="/g)).toHaveLength(6);
    expect(html).not.toMatch(/<script|<img|<link/);
    expect(html).toContain("default-src 'none'");
  });

  it("names the command that made it", () => {
    expect(html).toContain("<code>descent tour --quick --seed 7</code>");
    expect(markdown).toContain("Made by `descent tour --quick --seed 7`");
  });

  it("writes each outcome's badge and the counts", () => {
    expect(html).toContain('<span class="badge partly">holds in part</span>');
    expect(html).toContain("1 of 3 claims held in these runs, 1 held in part and 1 did not.");
  });

  it("formats table cells by column", () => {
    expect(html).toContain('<td class="num">1.23e-4</td>');
    expect(html).toContain('<td class="num">never</td>');
    expect(html).toContain('<td class="num">1,234</td>');
    expect(html).toContain('<td class="num">0.011%</td>');
  });
});

describe("tour.md and tour.json", () => {
  it("links every chart's PNG", async () => {
    expect(markdown).toContain("![A line](charts/first-line.png)");
    expect(written.charts).toHaveLength(6);
    const png = await readFile(join(dir, "charts", "third-drawn.png"));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("escapes pipes in Markdown tables", () => {
    expect(markdown).toContain("| optimizer | value | share | steps \\| count |");
    expect(markdown).toContain("| sgd | 1.23e-4 | 50.0% | never |");
  });

  it("keeps non-finite numbers as strings", async () => {
    const json = JSON.parse(await readFile(written.json, "utf8"));
    expect(json.format).toBe("descent-tour");
    expect(json.seed).toBe(7);
    expect(json.sections[0].numbers).toEqual({ finite: 1.5, never: "Infinity", missing: "NaN" });
    expect(json.sections[0].charts).toEqual(["first-line", "first-drawn"]);
    expect(json.sections[1].checks[1]).toEqual({ holds: false, text: "check 1 of <second>", criterion: "rule 1 & more" });
  });
});
