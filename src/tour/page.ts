import { escapeHtml, scopeSvgIds } from "../report/html.js";
import { formatCount, formatNumber, formatPercent } from "./format.js";
import type { TourResult } from "./tour.js";
import type { CellFormat, MetricTable, Outcome, SceneResult } from "./types.js";

/** A rendered chart: the SVG that the page inlines and the PNG that the Markdown links. */
export interface RenderedTourChart {
  id: string;
  title: string;
  description: string;
  svg: string;
  /** Path of the PNG relative to the output folder, such as `charts/adagrad-errors.png`. */
  png: string;
}

/** Formats a table cell. */
export function formatCell(value: number, format: CellFormat = "number"): string {
  if (Number.isNaN(value)) return "–";
  if (value === Infinity) return "never";
  if (value === -Infinity) return "−∞";
  switch (format) {
    case "percent":
      return formatPercent(value);
    case "integer":
      return formatCount(value);
    case "seconds":
      return `${formatNumber(value)} s`;
    case "number":
      return formatNumber(value);
  }
}

/** Counts the sections of each outcome. */
export function countOutcomes(sections: readonly SceneResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { holds: 0, "holds in part": 0, "does not hold": 0 };
  for (const section of sections) counts[section.outcome] += 1;
  return counts;
}

/** Describes in one sentence how many claims held, held in part and did not. */
export function describeCounts(sections: readonly SceneResult[]): string {
  const counts = countOutcomes(sections);
  return (
    `${counts.holds} of ${sections.length} claims held in these runs, ${counts["holds in part"]} held in part ` +
    `and ${counts["does not hold"]} did not.`
  );
}

/**
 * Builds `tour.html`: one section per claim with its explanation, update
 * rule, charts, measured numbers and verdict, in one file that opens offline.
 * Charts are inline SVG; the page has no scripts, and its
 * Content-Security-Policy blocks every fetch.
 */
export function buildTourHtml(tour: TourResult, charts: ReadonlyMap<string, readonly RenderedTourChart[]>): string {
  const title = "descent tour: optimizer claims, tested";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="lead">Each claim below comes with an experiment that was run, with seed ${tour.seed}, when this page was
built (${tour.size} size, ${formatNumber(tour.seconds)} s). The verdicts are computed from the numbers
shown. ${escapeHtml(describeCounts(tour.sections))}</p>
${contents(tour.sections)}
</header>
<main>
${tour.sections.map((section, index) => sectionHtml(section, index + 1, charts.get(section.id) ?? [])).join("\n")}
</main>
<footer>
<p>Made by <code>${escapeHtml(tourCommand(tour))}</code>.
The numbers are in <code>tour.json</code> next to this page.</p>
</footer>
</body>
</html>
`;
}

/** Returns the command that makes this tour again. */
export function tourCommand(tour: TourResult): string {
  const quick = tour.size === "quick" ? " --quick" : "";
  const only = tour.only === undefined ? "" : ` --only ${tour.only.join(",")}`;
  return `descent tour${quick} --seed ${tour.seed}${only}`;
}

function contents(sections: readonly SceneResult[]): string {
  const items = sections.map(
    (section) =>
      `<li><a href="#${escapeHtml(section.id)}">${escapeHtml(section.title)}</a> ${badge(section.outcome)}</li>`,
  );
  return `<nav aria-label="Claims"><ol>\n${items.join("\n")}\n</ol></nav>`;
}

function badge(outcome: Outcome): string {
  const kinds: Record<Outcome, string> = { holds: "holds", "holds in part": "partly", "does not hold": "fails" };
  const kind = kinds[outcome];
  return `<span class="badge ${kind}">${escapeHtml(outcome)}</span>`;
}

function sectionHtml(section: SceneResult, number: number, charts: readonly RenderedTourChart[]): string {
  const checks = section.checks.map(
    (check) =>
      `<li class="${check.holds ? "held" : "failed"}"><span class="mark">${check.holds ? "✓" : "✗"}</span> ` +
      `${escapeHtml(check.text.replace(/^./, (c) => c.toUpperCase()))}.` +
      `<br><span class="criterion">Criterion: ${escapeHtml(check.criterion)}</span></li>`,
  );
  const notes = section.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`);
  return `<section id="${escapeHtml(section.id)}" class="claim">
<h2>${number}. ${escapeHtml(section.title)}</h2>
<blockquote class="claim-text">${escapeHtml(section.claim)}</blockquote>
<p class="verdict">${badge(section.outcome)} ${escapeHtml(section.verdict)}</p>
<h3>Experiment</h3>
<p>${escapeHtml(section.setup)}</p>
<pre class="rule">${escapeHtml(section.rule)}</pre>
${charts.map(figure).join("\n")}
<h3>Measured</h3>
${section.tables.map(tableHtml).join("\n")}
<ul class="checks">
${checks.join("\n")}
</ul>
${notes.join("\n")}
<details class="settings"><summary>Settings</summary>
${settingsHtml(section.settings)}
</details>
</section>`;
}

function figure(chart: RenderedTourChart): string {
  return `<figure id="${escapeHtml(chart.id)}" class="chart">
${scopeSvgIds(chart.svg, `${chart.id}-`)}
<figcaption><strong>${escapeHtml(chart.title)}.</strong> ${escapeHtml(chart.description)}</figcaption>
</figure>`;
}

function tableHtml(table: MetricTable): string {
  const head =
    `<th scope="col">${escapeHtml(table.rowHeading)}</th>` +
    table.columns.map((column) => `<th scope="col">${escapeHtml(column.label)}</th>`).join("");
  const rows = table.rows.map(
    (row) =>
      `<tr><th scope="row">${escapeHtml(row.label)}</th>` +
      table.columns
        .map((column) => `<td class="num">${escapeHtml(formatCell(row.values[column.key], column.format))}</td>`)
        .join("") +
      "</tr>",
  );
  return `<table class="metrics">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
}

function settingsHtml(settings: SceneResult["settings"]): string {
  const rows = Object.entries(settings).map(
    ([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(String(value))}</td></tr>`,
  );
  return `<table class="settings">\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --accent: #2f5d9e; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--ink);
  font: 16px/1.55 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 1000px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 32px; }
h1 { font-size: 1.8rem; margin: 0 0 8px; }
h2 { font-size: 1.35rem; margin: 0 0 12px; }
h3 { font-size: 1.02rem; margin: 22px 0 8px; }
.lead { color: var(--muted); }
nav ol { columns: 2; padding-left: 1.2em; font-size: 0.93rem; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
section.claim { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 22px 26px; margin: 28px 0; }
blockquote.claim-text { margin: 0 0 12px; padding: 4px 14px; border-left: 4px solid var(--accent); color: #333a48; font-style: italic; }
.verdict { font-weight: 600; }
.badge { display: inline-block; font-size: 0.78rem; font-weight: 600; padding: 1px 8px; border-radius: 10px; vertical-align: 1px; white-space: nowrap; }
.badge.holds { background: #dcefdc; color: #1f5b1f; }
.badge.partly { background: #fbeccb; color: #6b4a00; }
.badge.fails { background: #f6d5d5; color: #7a1c1c; }
pre.rule { background: #f3f5f8; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; overflow-x: auto;
  font: 0.88rem/1.5 "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; }
figure.chart { margin: 16px 0; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.88rem; margin-top: 4px; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 8px 0 12px; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #eef1f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.checks { list-style: none; padding-left: 0; }
ul.checks li { margin: 8px 0; padding-left: 1.6em; text-indent: -1.6em; }
ul.checks .mark { display: inline-block; width: 1.2em; text-indent: 0; font-weight: 700; }
ul.checks li.held .mark { color: #1f7a1f; }
ul.checks li.failed .mark { color: #a12626; }
.criterion { color: var(--muted); font-size: 0.85rem; }
.note { color: #333a48; font-size: 0.93rem; }
details.settings { margin-top: 10px; font-size: 0.9rem; }
details.settings summary { cursor: pointer; color: var(--accent); }
code { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 0.88rem; }
footer { color: var(--muted); font-size: 0.88rem; padding-bottom: 40px; }
`;
