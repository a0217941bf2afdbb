import { type ScaleLinear, scaleLinear } from "d3-scale";

import {
  type Point,
  type TestFunction,
  contourColor,
  contourMap,
} from "../../src/landscape/index.js";

/** One optimizer's path as the plot draws it. */
export interface DrawnPath {
  color: string;
  points: readonly (readonly [number, number])[];
}

const MARGIN = { top: 10, right: 12, bottom: 30, left: 46 };
const MAX_SIZE = 620;

/**
 * The contour plot on a canvas: the function's filled contours, drawn once
 * per function into an offscreen canvas, with the paths redrawn over them on
 * every frame. A click inside the plot area reports the point under it.
 */
export class LandscapePlot {
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private background: HTMLCanvasElement | null = null;
  private fn: TestFunction | null = null;
  private sx: ScaleLinear<number, number> = scaleLinear();
  private sy: ScaleLinear<number, number> = scaleLinear();
  private width = MAX_SIZE;
  private height = MAX_SIZE;

  constructor(canvas: HTMLCanvasElement, onPick: (point: Point) => void) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d")!;
    canvas.addEventListener("click", (event) => {
      const point = this.pointAt(event.clientX, event.clientY);
      if (point !== null) onPick(point);
    });
  }

  /** Switches to `fn`: resizes the canvas to its domain's aspect ratio and traces its contours. */
  setFunction(fn: TestFunction): void {
    const { x, y } = fn.domain;
    const aspect = (y[1] - y[0]) / (x[1] - x[0]);
    const plotSize = MAX_SIZE - MARGIN.left - MARGIN.right;
    const plotWidth = aspect > 1 ? plotSize / aspect : plotSize;
    const plotHeight = plotWidth * aspect;
    this.width = Math.round(MARGIN.left + plotWidth + MARGIN.right);
    this.height = Math.round(MARGIN.top + plotHeight + MARGIN.bottom);
    this.sx = scaleLinear().domain(x).range([MARGIN.left, MARGIN.left + plotWidth]);
    this.sy = scaleLinear().domain(y).range([MARGIN.top + plotHeight, MARGIN.top]);

    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.fn = fn;
    this.background = this.drawBackground(fn, ratio);
  }

  /** Redraws the contours, the known minima, each path, and the start. */
  draw(paths: readonly DrawnPath[], start: Point): void {
    const context = this.context;
    const ratio = this.canvas.width / this.width;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.background) context.drawImage(this.background, 0, 0);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);

    context.save();
    context.beginPath();
    context.rect(MARGIN.left, MARGIN.top, this.sx.range()[1] - MARGIN.left, this.sy.range()[0] - MARGIN.top);
    context.clip();
    for (const minimum of this.fn?.minima ?? []) {
      this.drawCross(minimum.point, minimum.global ? "#111" : "#666");
    }
    for (const path of paths) this.drawPath(path);
    this.drawCircle(start, 6, "white", "#222");
    context.restore();
  }

  /** Returns the point of the function's plane under a client position, or null outside the plot area. */
  pointAt(clientX: number, clientY: number): Point | null {
    const box = this.canvas.getBoundingClientRect();
    const px = ((clientX - box.left) * this.width) / box.width;
    const py = ((clientY - box.top) * this.height) / box.height;
    const [left, right] = this.sx.range();
    const [bottom, top] = this.sy.range();
    if (px < left || px > right || py < top || py > bottom) return null;
    return [this.sx.invert(px), this.sy.invert(py)];
  }

  private drawPath(path: DrawnPath): void {
    const context = this.context;
    if (path.points.length === 0) return;
    context.lineJoin = "round";
    for (const [width, color] of [[4, "rgba(255,255,255,0.7)"], [2, path.color]] as const) {
      context.beginPath();
      path.points.forEach(([x, y], k) => {
        if (k === 0) context.moveTo(this.sx(x), this.sy(y));
        else context.lineTo(this.sx(x), this.sy(y));
      });
      context.lineWidth = width;
      context.strokeStyle = color;
      context.stroke();
    }
    this.drawCircle(path.points[path.points.length - 1], 5, path.color, "#222");
  }

  private drawCircle(point: Point, radius: number, fill: string, stroke: string): void {
    const context = this.context;
    context.beginPath();
    context.arc(this.sx(point[0]), this.sy(point[1]), radius, 0, 2 * Math.PI);
    context.fillStyle = fill;
    context.fill();
    context.lineWidth = 1.5;
    context.strokeStyle = stroke;
    context.stroke();
  }

  private drawCross(point: Point, color: string): void {
    const context = this.context;
    const [x, y] = [this.sx(point[0]), this.sy(point[1])];
    context.beginPath();
    context.moveTo(x - 5, y - 5);
    context.lineTo(x + 5, y + 5);
    context.moveTo(x - 5, y + 5);
    context.lineTo(x + 5, y - 5);
    context.lineWidth = 2;
    context.strokeStyle = color;
    context.stroke();
  }

  /** Draws the filled contours and the axes into an offscreen canvas at device resolution. */
  private drawBackground(fn: TestFunction, ratio: number): HTMLCanvasElement {
    const canvas = document.createElement("canvas");
    canvas.width = this.canvas.width;
    canvas.height = this.canvas.height;
    const context = canvas.getContext("2d")!;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.fillStyle = "white";
    context.fillRect(0, 0, this.width, this.height);

    const [left, right] = this.sx.range();
    const [bottom, top] = this.sy.range();
    context.fillStyle = contourColor(0);
    context.fillRect(left, top, right - left, bottom - top);
    const map = contourMap(fn, { resolution: 140 });
    for (const band of map.bands) {
      const region = new Path2D();
      for (const polygon of band.polygons) {
        for (const ring of polygon) {
          ring.forEach(([x, y], k) => {
            if (k === 0) region.moveTo(this.sx(x), this.sy(y));
            else region.lineTo(this.sx(x), this.sy(y));
          });
          region.closePath();
        }
      }
      context.fillStyle = contourColor(band.position);
      context.fill(region);
      context.lineWidth = 0.6;
      context.strokeStyle = "rgba(80, 96, 122, 0.35)";
      context.stroke(region);
    }
    context.strokeStyle = "#444";
    context.lineWidth = 1;
    context.strokeRect(left, top, right - left, bottom - top);
    this.drawTicks(context);
    return canvas;
  }

  private drawTicks(context: CanvasRenderingContext2D): void {
    const [left] = this.sx.range();
    const [bottom] = this.sy.range();
    context.fillStyle = "#222";
    context.font = "11px system-ui, sans-serif";
    context.textAlign = "center";
    context.textBaseline = "top";
    for (const tick of this.sx.ticks(8)) {
      const x = this.sx(tick);
      context.fillRect(x - 0.5, bottom, 1, 4);
      context.fillText(String(tick), x, bottom + 6);
    }
    context.textAlign = "right";
    context.textBaseline = "middle";
    for (const tick of this.sy.ticks(8)) {
      const y = this.sy(tick);
      context.fillRect(left - 4, y - 0.5, 4, 1);
      context.fillText(String(tick), left - 6, y);
    }
  }
}
