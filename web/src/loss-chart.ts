import { scaleLinear, scaleLog, scaleSymlog } from "d3-scale";

/** One optimizer's losses as the chart draws them. */
export interface LossSeries {
  color: string;
  values: readonly number[];
}

const WIDTH = 620;
const HEIGHT = 220;
const MARGIN = { top: 22, right: 12, bottom: 28, left: 56 };
/** Smallest gap f − f* the log scale shows; smaller gaps are drawn at this level. */
const LOG_FLOOR = 1e-12;
/** Largest |f| the symmetric-log scale shows; larger values, ±∞ included, are drawn at the axis edge. */
const SYMLOG_LIMIT = 1e12;
/** Most powers of ten labelled on each side of zero on the symmetric-log axis. */
const SYMLOG_LABELS_PER_SIDE = 4;
/** Minimum vertical distance in CSS pixels between two y-axis labels, about one line of 11px text. */
const LABEL_SPACING = 13;

/**
 * Loss against step for every optimizer. With a known minimum value f*, the
 * y axis is log(f − f*), which keeps fast and slow optimizers on one chart.
 * Without one, it is f on a symmetric-log scale (linear within ±1, logarithmic
 * beyond), so one optimizer running off to f = −1e4 leaves the others readable.
 */
export class LossChart {
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d")!;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = WIDTH * ratio;
    canvas.height = HEIGHT * ratio;
    canvas.style.width = `${WIDTH}px`;
    canvas.style.height = `${HEIGHT}px`;
  }

  /**
   * Redraws the chart.
   * @param minimumValue f*, the lowest known minimum, or `undefined` when unknown.
   */
  draw(series: readonly LossSeries[], minimumValue: number | undefined): void {
    const context = this.context;
    const ratio = this.canvas.width / WIDTH;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.fillStyle = "white";
    context.fillRect(0, 0, WIDTH, HEIGHT);

    const log = minimumValue !== undefined;
    const plotted = (value: number) =>
      log ? Math.max(value - minimumValue, LOG_FLOOR) : Math.min(Math.max(value, -SYMLOG_LIMIT), SYMLOG_LIMIT);
    const lastStep = Math.max(1, ...series.map((s) => s.values.length - 1));
    let low = Infinity;
    let high = -Infinity;
    let clamped = false;
    for (const { values } of series) {
      for (const value of values) {
        if (Number.isNaN(value)) continue;
        clamped ||= !log && Math.abs(value) > SYMLOG_LIMIT;
        if (log && !Number.isFinite(value)) continue;
        low = Math.min(low, plotted(value));
        high = Math.max(high, plotted(value));
      }
    }
    if (low > high) {
      low = log ? 1e-3 : 0;
      high = 1;
    }

    const sx = scaleLinear().domain([0, lastStep]).range([MARGIN.left, WIDTH - MARGIN.right]);
    const axis = log ? logAxis(low, high) : symlogAxis(low, high, clamped);
    // The labels are drawn as pixels, so they are also written on the element for scripts to read.
    this.canvas.dataset.yLabels = axis.labels.map((label) => label.text).join(" ");
    this.drawAxes(sx.ticks(8), axis, sx);
    context.save();
    context.beginPath();
    context.rect(MARGIN.left, MARGIN.top, WIDTH - MARGIN.left - MARGIN.right, HEIGHT - MARGIN.top - MARGIN.bottom);
    context.clip();
    for (const { color, values } of series) {
      context.beginPath();
      values.forEach((value, step) => {
        const y = axis.scale(plotted(value));
        if (step === 0) context.moveTo(sx(step), y);
        else context.lineTo(sx(step), y);
      });
      context.lineWidth = 2;
      context.strokeStyle = color;
      context.stroke();
    }
    context.restore();
  }

  private drawAxes(xTicks: number[], axis: YAxis, sx: (value: number) => number): void {
    const context = this.context;
    const bottom = HEIGHT - MARGIN.bottom;
    context.strokeStyle = "#444";
    context.lineWidth = 1;
    context.strokeRect(MARGIN.left, MARGIN.top, WIDTH - MARGIN.left - MARGIN.right, bottom - MARGIN.top);
    context.fillStyle = "#222";
    context.font = "11px system-ui, sans-serif";

    context.textAlign = "center";
    context.textBaseline = "top";
    for (const tick of xTicks) context.fillText(String(tick), sx(tick), bottom + 5);

    context.textAlign = "right";
    context.textBaseline = "middle";
    for (const { value, text } of axis.labels) context.fillText(text, MARGIN.left - 5, axis.scale(value));

    context.textAlign = "left";
    context.textBaseline = "top";
    context.fillText(axis.title, MARGIN.left, 4);
  }
}

/** The y axis: its scale, labelled ticks and chart title. */
interface YAxis {
  scale: (value: number) => number;
  labels: { value: number; text: string }[];
  title: string;
}

const PLOT_RANGE = [HEIGHT - MARGIN.bottom, MARGIN.top];

/** Builds the log(f − f*) axis over the gaps `low` to `high`, labelling whole powers of ten. */
function logAxis(low: number, high: number): YAxis {
  const scale = scaleLog().domain([low, Math.max(high, low * 10)]).range(PLOT_RANGE).nice();
  const labels = scale
    .ticks(6)
    .filter((tick) => Number.isInteger(Math.log10(tick)))
    .map((tick) => ({ value: tick, text: `1e${Math.round(Math.log10(tick))}` }));
  return { scale, labels, title: "f − f*  (log scale) against step" };
}

/**
 * Builds the symmetric-log axis over f from `low` to `high`. When `clamped`
 * is true, some value lay beyond ±SYMLOG_LIMIT, and the title notes the edge.
 */
function symlogAxis(low: number, high: number, clamped: boolean): YAxis {
  // Each end goes out to a power of ten, or to 0 when all values lie on the other side of zero.
  const domain = [-powerOfTenAbove(-low), powerOfTenAbove(high)];
  if (domain[0] === domain[1]) domain[1] = 1;
  const scale = scaleSymlog().domain(domain).range(PLOT_RANGE);
  const labels = spacedTicks(symlogTicks(domain[0], domain[1]), scale).map((tick) => ({
    value: tick,
    text: formatSymlogTick(tick),
  }));
  const edge = clamped ? `, |f| > ${formatSymlogTick(SYMLOG_LIMIT)} at the edge` : "";
  return { scale, labels, title: `f  (symmetric log scale${edge}) against step` };
}

/** Returns the smallest power of ten at or above `magnitude`, or 0 for `magnitude` ≤ 0. */
function powerOfTenAbove(magnitude: number): number {
  return magnitude > 0 ? 10 ** Math.ceil(Math.log10(magnitude)) : 0;
}

/**
 * Lists the symmetric-log axis ticks: 0, then ±10ᵏ inside [low, high]. It
 * counts down from the outermost power to 10⁰ (or to that power when it is
 * below 1), keeping every n-th, so each side has at most SYMLOG_LABELS_PER_SIDE.
 */
function symlogTicks(low: number, high: number): number[] {
  const largest = Math.max(-low, high);
  const top = Math.round(Math.log10(largest));
  const first = Math.min(0, top);
  const every = Math.ceil((top - first + 1) / SYMLOG_LABELS_PER_SIDE);
  const ticks = [0];
  for (let k = top; k >= first; k -= every) {
    const power = 10 ** k;
    if (power <= high) ticks.push(power);
    if (-power >= low) ticks.push(-power);
  }
  return ticks;
}

/**
 * Keeps the ticks whose labels would not overlap, taking them in the given
 * order, so earlier ticks win, and returns them sorted by value.
 */
function spacedTicks(ticks: readonly number[], scale: (value: number) => number): number[] {
  const placed: number[] = [];
  for (const tick of ticks) {
    if (placed.every((other) => Math.abs(scale(tick) - scale(other)) >= LABEL_SPACING)) placed.push(tick);
  }
  return placed.sort((a, b) => a - b);
}

/** Formats a symmetric-log tick compactly: 0, ±1, ±10, ±100, then ±1e3, ±1e4, ... with a true minus sign. */
function formatSymlogTick(tick: number): string {
  const magnitude = Math.abs(tick);
  const text = magnitude < 1e3 ? String(magnitude) : `1e${Math.round(Math.log10(magnitude))}`;
  return tick < 0 ? `−${text}` : text;
}
