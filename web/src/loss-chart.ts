import { scaleLinear, scaleLog } from "d3-scale";

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

/**
 * Loss against step for every optimizer. With a known minimum value f*, the
 * y axis is log(f − f*), which keeps fast and slow optimizers on one chart.
 * Without one, it is f itself on a linear scale.
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
    const plotted = (value: number) => (log ? Math.max(value - minimumValue, LOG_FLOOR) : value);
    const lastStep = Math.max(1, ...series.map((s) => s.values.length - 1));
    let low = Infinity;
    let high = -Infinity;
    for (const { values } of series) {
      for (const value of values) {
        if (!Number.isFinite(value)) continue;
        low = Math.min(low, plotted(value));
        high = Math.max(high, plotted(value));
      }
    }
    if (low > high) {
      low = log ? 1e-3 : 0;
      high = 1;
    }

    const sx = scaleLinear().domain([0, lastStep]).range([MARGIN.left, WIDTH - MARGIN.right]);
    const range = [HEIGHT - MARGIN.bottom, MARGIN.top];
    const sy = log
      ? scaleLog().domain([low, Math.max(high, low * 10)]).range(range).nice()
      : scaleLinear().domain(low === high ? [low - 1, high + 1] : [low, high]).range(range).nice();

    this.drawAxes(sx.ticks(8), sy.ticks(log ? 6 : 5), sx, sy, log);
    context.save();
    context.beginPath();
    context.rect(MARGIN.left, MARGIN.top, WIDTH - MARGIN.left - MARGIN.right, HEIGHT - MARGIN.top - MARGIN.bottom);
    context.clip();
    for (const { color, values } of series) {
      context.beginPath();
      values.forEach((value, step) => {
        const y = sy(plotted(value));
        if (step === 0) context.moveTo(sx(step), y);
        else context.lineTo(sx(step), y);
      });
      context.lineWidth = 2;
      context.strokeStyle = color;
      context.stroke();
    }
    context.restore();
  }

  private drawAxes(
    xTicks: number[],
    yTicks: number[],
    sx: (value: number) => number,
    sy: (value: number) => number,
    log: boolean,
  ): void {
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
    const labels = log ? yTicks.filter((t) => Number.isInteger(Math.log10(t))) : yTicks;
    for (const tick of labels) {
      const text = log ? `1e${Math.round(Math.log10(tick))}` : String(tick);
      context.fillText(text, MARGIN.left - 5, sy(tick));
    }

    context.textAlign = "left";
    context.textBaseline = "top";
    context.fillText(log ? "f − f*  (log scale) against step" : "f against step", MARGIN.left, 4);
  }
}
