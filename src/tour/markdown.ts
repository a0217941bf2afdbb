import { formatNumber } from "./format.js";
import { describeCounts, formatCell, type RenderedTourChart, tourCommand } from "./page.js";
import type { TourResult } from "./tour.js";
import type { MetricTable, SceneResult } from "./types.js";

/**
 * Builds `tour.md`: the same sections as `tour.html`, with the charts as
 * links to their PNG files.
 */
export function buildTourMarkdown(tour: TourResult, charts: ReadonlyMap<string, readonly RenderedTourChart[]>): string {
  const lines = [
    "# descent tour: optimizer claims, tested",
    "",
    `Each claim comes with an experiment that was run, with seed ${tour.seed}, when this file was written ` +
      `(${tour.size} size, ${formatNumber(tour.seconds)} s). The verdicts are computed from the numbers shown. ` +
      describeCounts(tour.sections),
    "",
    `Made by \`${tourCommand(tour)}\`; the numbers are in \`tour.json\`.`,
    "",
    ...tour.sections.map((section, index) => `${index + 1}. [${section.title}](#${section.id}): ${section.outcome}`),
    "",
  ];
  tour.sections.forEach((section, index) => {
    lines.push(...sectionMarkdown(section, index + 1, charts.get(section.id) ?? []), "");
  });
  return `${lines.join("\n").trimEnd()}\n`;
}

function sectionMarkdown(section: SceneResult, number: number, charts: readonly RenderedTourChart[]): string[] {
  return [
    `<a id="${section.id}"></a>`,
    `## ${number}. ${section.title}`,
    "",
    `> ${section.claim}`,
    "",
    `**${section.outcome}.** ${section.verdict}`,
    "",
    section.setup,
    "",
    "```text",
    section.rule,
    "```",
    "",
    ...charts.flatMap((chart) => [`![${chart.title}](${chart.png})`, "", `*${chart.title}.* ${chart.description}`, ""]),
    ...section.tables.flatMap((table) => [...tableMarkdown(table), ""]),
    ...section.checks.map(
      (check) => `- ${check.holds ? "✓" : "✗"} ${check.text.replace(/^./, (c) => c.toUpperCase())}. *Criterion: ${check.criterion}*`,
    ),
    ...(section.notes.length > 0 ? ["", ...section.notes.flatMap((note) => [note, ""])] : [""]),
    "Settings: " + Object.entries(section.settings).map(([name, value]) => `${name} ${String(value)}`).join("; ") + ".",
  ];
}

function tableMarkdown(table: MetricTable): string[] {
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  const header = [table.rowHeading, ...table.columns.map((column) => column.label)].map(escape);
  const rows = table.rows.map((row) => [
    escape(row.label),
    ...table.columns.map((column) => escape(formatCell(row.values[column.key], column.format))),
  ]);
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ];
}
