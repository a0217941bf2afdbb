export {
  PNG_SCALE,
  renderCharts,
  renderLrSchedule,
  renderSvg,
  svgToPng,
  type RenderedChart,
} from "./charts.js";
export { buildReportHtml, type HtmlChart } from "./html.js";
export { assignColors, SERIES_COLORS } from "./palette.js";
export { buildChartSpecs, lrScheduleSpec, type ChartSpec } from "./specs.js";
export {
  buildSummaryMarkdown,
  summarizeRun,
  type RunSummary,
} from "./summary.js";
export {
  runLabel,
  type EpochMetrics,
  type ReportInput,
  type RunResult,
  type SettingValue,
  type StepMetrics,
} from "./types.js";
export { validateReportInput } from "./validate.js";
export {
  parseMetricsJsonl,
  readRunsFromMetrics,
  writeReport,
  type WrittenReport,
} from "./write.js";
