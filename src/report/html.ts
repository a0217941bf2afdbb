import { assignColors } from "./palette.js";
import { SUMMARY_HEADINGS, summarizeRun, summaryRows } from "./summary.js";
import { runLabel, type ReportInput, type SettingValue } from "./types.js";

/** A chart as the page embeds it. */
export interface HtmlChart {
  id: string;
  title: string;
  description: string;
  svg: string;
}

/**
 * Builds `report.html`: summary table, charts, settings and each run's
 * optimizer options, in one file that opens offline.
 *
 * Charts are inlined as SVG, styles are inline, and the page has no scripts.
 * Its Content-Security-Policy blocks every fetch, so a browser shows the same
 * page with or without a network.
 */
export function buildReportHtml(
  input: ReportInput,
  charts: readonly HtmlChart[],
): string {
  const title = escapeHtml(input.title);
  const links = charts.map(
    (chart) => `<a href="#${chart.id}">${escapeHtml(chart.title)}</a>`,
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="lead">${escapeHtml(describeRuns(input))}</p>
<nav>${links.join("\n")}</nav>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
${summaryTable(input)}
</section>
<section id="charts">
<h2>Charts</h2>
${charts.map(chartFigure).join("\n")}
</section>
<section id="settings">
<h2>Settings</h2>
${settingsTable(input.settings)}
<h3>Optimizer options</h3>
${optionsTable(input)}
</section>
</main>
</body>
</html>
`;
}

/** Allows inline styles and data URIs only, so the page fetches nothing. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function describeRuns(input: ReportInput): string {
  const runs = input.runs.length;
  const epochs = Math.max(0, ...input.runs.map((run) => run.epochs.length));
  const runWord = runs === 1 ? "run" : "runs";
  const epochWord = epochs === 1 ? "epoch" : "epochs";
  return `${runs} ${runWord}, up to ${epochs} ${epochWord} each.`;
}

function summaryTable(input: ReportInput): string {
  const colors = assignColors(input.runs.map(runLabel));
  const summaries = input.runs.map(summarizeRun);
  const rows = summaryRows(summaries).map(([label, ...numbers]) => {
    const color = colors.get(label);
    const swatch = `<span class="swatch" style="background:${color}"></span>`;
    const cells = numbers.map(
      (cell) => `<td class="num">${escapeHtml(cell)}</td>`,
    );
    return rowHeader(swatch + escapeHtml(label)) + cells.join("");
  });
  return table("summary", SUMMARY_HEADINGS, rows);
}

function chartFigure(chart: HtmlChart): string {
  return `<figure id="${escapeHtml(chart.id)}" class="chart">
${scopeSvgIds(chart.svg, `${chart.id}-`)}
<figcaption>${escapeHtml(chart.description)}</figcaption>
</figure>`;
}

function settingsTable(settings: Record<string, SettingValue>): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) {
    return "<p>No settings were recorded.</p>";
  }
  const rows = entries.map(([name, value]) => {
    const text = value === null ? "none" : String(value);
    return rowHeader(escapeHtml(name)) + `<td>${escapeHtml(text)}</td>`;
  });
  return table("settings", null, rows);
}

function optionsTable(input: ReportInput): string {
  const rows = input.runs.map((run) => {
    const options = Object.entries(run.options)
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join(", ");
    return (
      rowHeader(escapeHtml(runLabel(run))) +
      `<td><code>${escapeHtml(run.optimizer)}</code></td>` +
      `<td><code>${escapeHtml(options || "defaults")}</code></td>`
    );
  });
  return table("options", ["Run", "Algorithm", "Options"], rows);
}

function rowHeader(html: string): string {
  return `<th scope="row">${html}</th>`;
}

/** Wraps rows of cells (already HTML) in a table with optional headings. */
function table(
  className: string,
  headings: readonly string[] | null,
  rows: readonly string[],
): string {
  const lines = [`<table class="${className}">`];
  if (headings !== null) {
    const cells = headings.map(
      (heading) => `<th scope="col">${escapeHtml(heading)}</th>`,
    );
    lines.push(`<thead><tr>${cells.join("")}</tr></thead>`);
  }
  lines.push("<tbody>", ...rows.map((row) => `<tr>${row}</tr>`), "</tbody>");
  lines.push("</table>");
  return lines.join("\n");
}

/**
 * Prefixes the ids an SVG defines (Vega's clip paths) and its references to
 * them, so that several SVGs inlined in one page cannot point at each other's
 * definitions.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

/** Escapes text for use in HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
:root {
  color-scheme: light;
  --ink: #1d2330;
  --muted: #5b6475;
  --line: #dde1e8;
  --accent: #2f5d9e;
}
* { box-sizing: border-box; }
body {
  margin: 0;
  background: #f6f7f9;
  color: var(--ink);
  font: 16px/1.5 "DejaVu Sans", system-ui, "Segoe UI", Roboto, sans-serif;
}
header, main { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 32px; }
main { padding-bottom: 48px; }
h1 { font-size: 1.8rem; margin: 0 0 4px; }
h2 {
  font-size: 1.3rem;
  margin: 40px 0 12px;
  padding-bottom: 6px;
  border-bottom: 1px solid var(--line);
}
h3 { font-size: 1.05rem; margin: 28px 0 10px; }
.lead { color: var(--muted); margin: 0 0 12px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 0.9rem; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
table {
  border-collapse: collapse;
  background: #fff;
  border: 1px solid var(--line);
  font-size: 0.95rem;
}
th, td {
  padding: 7px 14px;
  border-bottom: 1px solid var(--line);
  text-align: left;
  vertical-align: top;
}
thead th { background: #eef1f5; font-weight: 600; }
tbody th { font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary thead th:not(:first-child) { text-align: right; }
.swatch {
  display: inline-block;
  width: 12px;
  height: 12px;
  border-radius: 3px;
  margin-right: 8px;
  vertical-align: -1px;
}
code {
  font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace;
  font-size: 0.85rem;
}
figure.chart {
  margin: 0 0 24px;
  padding: 12px;
  background: #fff;
  border: 1px solid var(--line);
  border-radius: 6px;
}
figure.chart svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.9rem; margin: 6px 4px 0; }
`;
