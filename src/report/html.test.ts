import { beforeAll, describe, expect, it } from "vitest";

import {
  lineStrokes,
  syntheticReport,
} from "../../test/helpers/report-input.js";
import { renderCharts, type RenderedChart } from "./charts.js";
import { buildReportHtml, escapeHtml, scopeSvgIds } from "./html.js";

describe("buildReportHtml", () => {
  let charts: RenderedChart[];
  let html: string;

  beforeAll(async () => {
    const input = syntheticReport();
    charts = await renderCharts(input);
    html = buildReportHtml(input, charts);
  });

  it("is one HTML document", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<html[\s>]/g)).toHaveLength(1);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(html).toContain("<title>Synthetic comparison</title>");
  });

  it("inlines one figure with an SVG per chart", () => {
    for (const chart of charts) {
      const start = html.indexOf(`<figure id="${chart.id}"`);
      expect(start, chart.id).toBeGreaterThan(0);
      const figure = html.slice(start, html.indexOf("</figure>", start));
      expect(figure, chart.id).toContain("<svg");
      expect(lineStrokes(figure), chart.id).toEqual(lineStrokes(chart.svg));
    }
    expect(html.match(/<svg[\s>]/g)).toHaveLength(charts.length);
  });

  it("loads nothing from outside the file", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/i);
    expect(html).not.toMatch(/url\((?!#)/i);
    expect(html).toContain("default-src 'none'");
  });

  it("gives every id in the page once", () => {
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((match) => match[1]);
    expect(ids.length).toBeGreaterThan(charts.length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("points every clip path at its own chart", () => {
    for (const chart of charts) {
      const start = html.indexOf(`<figure id="${chart.id}"`);
      const figure = html.slice(start, html.indexOf("</figure>", start));
      for (const [, target] of figure.matchAll(/url\(#([^)]+)\)/g)) {
        expect(target.startsWith(`${chart.id}-`), target).toBe(true);
        expect(figure).toContain(`id="${target}"`);
      }
    }
  });

  it("lists the summary rows, settings and options", () => {
    const summary = html.slice(
      html.indexOf('<table class="summary">'),
      html.indexOf("</table>"),
    );
    expect(summary.match(/<tr>/g)).toHaveLength(4);
    for (const label of ["sgd", "adam", "adabound"]) {
      expect(summary).toContain(`${label}</th>`);
    }
    expect(html).toContain('<th scope="row">batchSize</th><td>64</td>');
    expect(html).toContain('<th scope="row">seed</th><td>7</td>');
    expect(html).toContain("<code>lr: 0.1</code>");
  });

  it("shows a column's losses with equal decimals", () => {
    const input = syntheticReport();
    input.runs[0].epochs.at(-1)!.trainLoss = 0.276;
    input.runs[1].epochs.at(-1)!.trainLoss = 0.29531;
    const page = buildReportHtml(input, []);
    const summary = page.slice(
      page.indexOf('<table class="summary">'),
      page.indexOf("</table>"),
    );
    const losses = [
      ...summary.matchAll(/<\/th><td class="num">([^<]*)<\/td>/g),
    ].map((match) => match[1]);
    expect(losses.slice(0, 2)).toEqual(["0.2760", "0.2953"]);
    expect(losses).toHaveLength(3);
    for (const loss of losses) expect(loss).toMatch(/^\d+\.\d{4}$/);
  });

  it("escapes text from the input", () => {
    const input = syntheticReport();
    input.title = "<script>alert(1)</script>";
    input.settings = { "data <dir>": "a&b" };
    input.runs[0].label = '"quoted" <sgd>';
    const page = buildReportHtml(input, []);
    expect(page).not.toContain("<script>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("data &lt;dir&gt;</th><td>a&amp;b</td>");
    expect(page).toContain("&quot;quoted&quot; &lt;sgd&gt;");
  });
});

describe("scopeSvgIds", () => {
  it("prefixes ids and the references to them", () => {
    const svg =
      '<g clip-path="url(#clip1)"/><use href="#clip1"/><clipPath id="clip1"/>';
    expect(scopeSvgIds(svg, "a-")).toBe(
      '<g clip-path="url(#a-clip1)"/><use href="#a-clip1"/><clipPath id="a-clip1"/>',
    );
  });
});

describe("escapeHtml", () => {
  it("escapes the five special characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});
