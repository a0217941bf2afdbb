import {
  type Point,
  type TestFunction,
  TrajectoryStepper,
  distanceToNearestMinimum,
  formatValue,
} from "../../src/landscape/index.js";
import type { LossChart } from "./loss-chart.js";
import { element } from "./optimizer-panel.js";
import type { LandscapePlot } from "./plot.js";

/** One optimizer in a race, as the page lists it. */
export interface RaceEntry {
  /** Legend text and readout key, unique within the race. */
  name: string;
  /** Name `createOptimizer` accepts, such as `"sgd"`. */
  optimizer: string;
  /** Options given to createOptimizer. A missing `lr` takes the landscape's default. */
  options: Readonly<Record<string, unknown>>;
  color: string;
}

/** One optimizer's run in progress. */
interface Run {
  name: string;
  color: string;
  stepper: TrajectoryStepper | null;
  points: [number, number][];
  values: number[];
  /** Error message from building the optimizer, e.g. for an option out of range. */
  error?: string;
}

/** The page elements a race draws into and reads its speed from. */
export interface RaceView {
  plot: LandscapePlot;
  lossChart: LossChart;
  /** The readout table's body: one row per run with its step, loss, point and distance. */
  readoutBody: HTMLElement;
  /** Shows "Play" or "Pause". */
  playButton: HTMLElement;
  /** Steps per animation frame. */
  speed: HTMLInputElement;
}

/**
 * Optimizers racing over one function from one start: builds a stepper for
 * each, advances them step by step or animated, and draws their paths, the
 * loss chart and the readout table.
 */
export class Race {
  /** Steps after which a run stops. */
  maxSteps = 1;
  private fn: TestFunction | null = null;
  private start: Point = [0, 0];
  private entries: readonly RaceEntry[] = [];
  private runs: Run[] = [];
  private playing = false;
  private frame = 0;
  private readonly view: RaceView;

  constructor(view: RaceView) {
    this.view = view;
  }

  /**
   * Builds a run of each entry at `start` on `fn` and draws step 0. A race
   * that is playing goes on playing with the new runs.
   */
  load(fn: TestFunction, start: Point, entries: readonly RaceEntry[]): void {
    this.fn = fn;
    this.start = start;
    this.entries = entries;
    this.rebuild();
  }

  /** Pauses, then rebuilds every run at the start and draws step 0. */
  reset(): void {
    this.pause();
    this.rebuild();
  }

  private rebuild(): void {
    const fn = this.fn;
    if (fn === null) return;
    this.runs = this.entries.map((entry) => {
      const run: Run = {
        name: entry.name,
        color: entry.color,
        stepper: null,
        points: [[...this.start]],
        values: [fn.value(...this.start)],
      };
      try {
        run.stepper = new TrajectoryStepper(fn, entry.optimizer, entry.options, this.start);
      } catch (error) {
        run.error = (error as Error).message;
      }
      return run;
    });
    this.render();
  }

  /** Pauses, advances every run by one step and redraws. */
  step(): void {
    this.pause();
    this.advance(1);
    this.render();
  }

  /** Connects the Play/Pause, Step and Reset buttons. */
  bindButtons(step: HTMLElement, reset: HTMLElement): void {
    this.view.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    step.addEventListener("click", () => this.step());
    reset.addEventListener("click", () => this.reset());
  }

  /** Advances every unfinished run by `count` steps; returns false when none could move. */
  private advance(count: number): boolean {
    let moved = false;
    for (const run of this.runs) {
      const stepper = run.stepper;
      if (stepper === null) continue;
      for (let k = 0; k < count && stepper.steps < this.maxSteps; k++) {
        if (!stepper.step()) break;
        run.points.push(stepper.point);
        run.values.push(stepper.value);
        moved = true;
      }
    }
    return moved;
  }

  play(): void {
    if (this.playing) return;
    this.playing = true;
    this.view.playButton.textContent = "Pause";
    const speed = () => this.view.speed.valueAsNumber;
    const tick = () => {
      if (!this.playing) return;
      const moved = this.advance(speed());
      this.render();
      if (moved) this.frame = requestAnimationFrame(tick);
      else this.pause();
    };
    this.frame = requestAnimationFrame(tick);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    this.view.playButton.textContent = "Play";
  }

  private render(): void {
    if (this.fn === null) return;
    const paths = this.runs.map((run) => ({ color: run.color, points: run.points }));
    this.view.plot.draw(paths, this.start);
    const minima = this.fn.minima;
    const lowest = minima.length > 0 ? Math.min(...minima.map((m) => m.value)) : undefined;
    this.view.lossChart.draw(
      this.runs.map((run) => ({ color: run.color, values: run.values })),
      lowest,
    );
    this.renderReadout(this.fn);
  }

  private renderReadout(fn: TestFunction): void {
    const rows = this.runs.map((run) => {
      const last = run.points[run.points.length - 1];
      const loss = run.values[run.values.length - 1];
      const distance = distanceToNearestMinimum(fn, last);
      const status = run.error ?? (run.stepper?.diverged ? "diverged: a step was not finite" : "");
      const row = element("tr");
      Object.assign(row.dataset, {
        optimizer: run.name,
        step: String(run.points.length - 1),
        loss: String(loss),
        x: String(last[0]),
        y: String(last[1]),
        distance: distance === undefined ? "" : String(distance),
      });
      const swatch = element("span", { className: "swatch" });
      swatch.style.background = run.color;
      const name = element("td");
      name.append(swatch, run.name);
      row.append(
        name,
        element("td", { textContent: String(run.points.length - 1) }),
        element("td", { textContent: formatValue(loss) }),
        element("td", { textContent: distance === undefined ? "—" : formatValue(distance) }),
        element("td", { textContent: status, className: status ? "status" : "" }),
      );
      return row;
    });
    this.view.readoutBody.replaceChildren(...rows);
  }
}
