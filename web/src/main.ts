import { algorithms } from "../../src/core/index.js";
import {
  type Point,
  type TestFunction,
  defaultLearningRate,
  getTestFunction,
  testFunctions,
} from "../../src/landscape/index.js";
import { type Example, examples } from "../examples/index.js";
import type { CustomFunctionInput } from "./custom-function.js";
import { LossChart } from "./loss-chart.js";
import { type OptimizerSetting, OptimizerPanel, optimizerColor } from "./optimizer-panel.js";
import { LandscapePlot } from "./plot.js";
import { Race } from "./race.js";
import "./style.css";

/** Optimizers switched on when a built-in function is chosen by hand. */
const DEFAULT_ENABLED = new Set(["sgd", "momentum", "rmsprop", "adam"]);

/**
 * The built-in function whose learning-rate row a custom function borrows:
 * the quadratic's rates are moderate for every optimizer.
 */
const CUSTOM_RATES_FROM = "quadratic";

/** Loads the custom-function builder and mathjs with it, on first use, to keep the first page load small. */
const loadCustomFunctions = () => import("./custom-function.js");

const DEFAULT_CUSTOM: CustomFunctionInput = {
  expression: "x^2 + 3*y^2 + x*y",
  domain: { x: [-3, 3], y: [-3, 3] },
  logContours: true,
};

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

class Playground {
  private fn: TestFunction = getTestFunction("rosenbrock");
  private start: Point = this.fn.start;

  private readonly plot = new LandscapePlot(byId("plot"), (point) => this.moveStart(point));
  private readonly race = new Race({
    plot: this.plot,
    lossChart: new LossChart(byId("loss")),
    readoutBody: byId("readout-body"),
    playButton: byId("play"),
    speed: byId("speed"),
  });
  private readonly panel = new OptimizerPanel(byId("optimizers"), () => this.restart());

  constructor() {
    this.buildFunctionMenu();
    this.buildExampleMenu();
    this.bindControls();
    const fromHash = this.exampleInAddress();
    if (fromHash) void this.loadExample(fromHash);
    else this.useFunction(this.fn, this.defaultSettings(this.fn, DEFAULT_ENABLED));
    window.addEventListener("hashchange", () => {
      const example = this.exampleInAddress();
      if (example) void this.loadExample(example);
    });
  }

  /** Returns the example named by the address's fragment, e.g. `#01-adam-vs-sgd`. */
  private exampleInAddress(): Example | undefined {
    return examples.find((e) => `#${e.id}` === window.location.hash);
  }

  /** Switches to `fn` with the given optimizer settings and restarts every run. */
  private useFunction(fn: TestFunction, settings: OptimizerSetting[], start?: Point, steps?: number): void {
    this.fn = fn;
    this.start = start ?? fn.start;
    this.race.maxSteps = steps ?? fn.steps;
    byId<HTMLInputElement>("max-steps").value = String(this.race.maxSteps);
    const summary = fn.summary.charAt(0).toUpperCase() + fn.summary.slice(1);
    byId("function-formula").textContent = `f(x, y) = ${fn.formula}`;
    byId("function-summary").textContent = `${summary}.`;
    this.plot.setFunction(fn);
    this.panel.load(settings);
    this.restart();
  }

  private defaultSettings(fn: TestFunction, enabled: ReadonlySet<string>): OptimizerSetting[] {
    const ratesFrom = fn.name === "custom" ? CUSTOM_RATES_FROM : fn.name;
    return algorithms.map(({ name }) => ({
      name,
      enabled: enabled.has(name),
      options: { lr: defaultLearningRate(name, ratesFrom) },
    }));
  }

  /** Rebuilds every enabled optimizer at the start, with the panel's current options. */
  private restart(): void {
    const entries = this.panel.current()
      .filter((setting) => setting.enabled)
      .map((setting) => ({
        name: setting.name,
        optimizer: setting.name,
        options: setting.options,
        color: optimizerColor(setting.name),
      }));
    this.race.load(this.fn, this.start, entries);
    this.updateStartReadout();
  }

  private moveStart(point: Point): void {
    this.start = point;
    this.restart();
  }

  private updateStartReadout(): void {
    const readout = byId("start-readout");
    readout.textContent = `(${this.start[0].toFixed(3)}, ${this.start[1].toFixed(3)})`;
    readout.dataset.x = String(this.start[0]);
    readout.dataset.y = String(this.start[1]);
  }

  private buildFunctionMenu(): void {
    const menu = byId<HTMLSelectElement>("function");
    for (const fn of testFunctions) menu.append(new Option(fn.title, fn.name));
    menu.append(new Option("Custom f(x, y)…", "custom"));
    menu.addEventListener("change", () => {
      this.leaveExample();
      const isCustom = menu.value === "custom";
      byId("custom-box").hidden = !isCustom;
      if (isCustom) {
        void this.applyCustom();
      } else {
        const fn = getTestFunction(menu.value);
        this.useFunction(fn, this.defaultSettings(fn, this.enabledNames()));
      }
    });
    this.fillCustomBox(DEFAULT_CUSTOM);
    byId("custom-apply").addEventListener("click", () => void this.applyCustom());
  }

  private enabledNames(): Set<string> {
    return new Set(this.panel.current().filter((s) => s.enabled).map((s) => s.name));
  }

  private fillCustomBox(input: CustomFunctionInput): void {
    byId<HTMLInputElement>("custom-expression").value = input.expression;
    byId<HTMLInputElement>("custom-x-min").value = String(input.domain.x[0]);
    byId<HTMLInputElement>("custom-x-max").value = String(input.domain.x[1]);
    byId<HTMLInputElement>("custom-y-min").value = String(input.domain.y[0]);
    byId<HTMLInputElement>("custom-y-max").value = String(input.domain.y[1]);
    byId<HTMLInputElement>("custom-log").checked = input.logContours;
  }

  private readCustomBox(): CustomFunctionInput {
    const number = (id: string) => byId<HTMLInputElement>(id).valueAsNumber;
    return {
      expression: byId<HTMLInputElement>("custom-expression").value,
      domain: {
        x: [number("custom-x-min"), number("custom-x-max")],
        y: [number("custom-y-min"), number("custom-y-max")],
      },
      logContours: byId<HTMLInputElement>("custom-log").checked,
    };
  }

  /** Builds the custom function from the box, or shows why it cannot be built. */
  private async applyCustom(settings?: OptimizerSetting[], start?: Point, steps?: number): Promise<boolean> {
    const message = byId("custom-error");
    const { buildCustomFunction } = await loadCustomFunctions();
    try {
      const fn = buildCustomFunction(this.readCustomBox());
      message.textContent = "";
      this.race.pause();
      this.useFunction(fn, settings ?? this.defaultSettings(fn, this.enabledNames()), start, steps);
      return true;
    } catch (error) {
      message.textContent = (error as Error).message;
      return false;
    }
  }

  private buildExampleMenu(): void {
    const menu = byId<HTMLSelectElement>("example");
    menu.append(new Option("Examples…", ""));
    for (const example of examples) {
      menu.append(new Option(`${example.id.slice(0, 2)}. ${example.title}`, example.id));
    }
    menu.addEventListener("change", () => {
      const example = examples.find((e) => e.id === menu.value);
      if (example === undefined) return;
      // Setting a new fragment fires hashchange, which loads the example.
      if (window.location.hash === `#${example.id}`) void this.loadExample(example);
      else window.location.hash = example.id;
    });
  }

  /** Forgets the loaded example once the user picks a function by hand. */
  private leaveExample(): void {
    byId<HTMLSelectElement>("example").value = "";
    byId("example-idea").textContent = "";
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  /** Loads an example: its function, start, steps and optimizers, paused at step 0. */
  private async loadExample(example: Example): Promise<void> {
    this.race.pause();
    byId<HTMLSelectElement>("example").value = example.id;
    byId("example-idea").textContent = example.idea;
    const enabled = new Set(example.optimizers.map((o) => o.name));
    const functionMenu = byId<HTMLSelectElement>("function");
    if (typeof example.function === "string") {
      const fn = getTestFunction(example.function);
      functionMenu.value = fn.name;
      byId("custom-box").hidden = true;
      this.useFunction(fn, this.exampleSettings(fn, example, enabled), example.start, example.steps);
    } else {
      functionMenu.value = "custom";
      byId("custom-box").hidden = false;
      this.fillCustomBox(example.function);
      const { buildCustomFunction } = await loadCustomFunctions();
      const fn = buildCustomFunction(example.function);
      await this.applyCustom(this.exampleSettings(fn, example, enabled), example.start, example.steps);
    }
  }

  private exampleSettings(fn: TestFunction, example: Example, enabled: Set<string>): OptimizerSetting[] {
    return this.defaultSettings(fn, enabled).map((setting) => {
      const preset = example.optimizers.find((o) => o.name === setting.name);
      return { ...setting, options: { ...setting.options, ...preset?.options } };
    });
  }

  private bindControls(): void {
    this.race.bindButtons(byId("step"), byId("reset"));
    byId<HTMLInputElement>("max-steps").addEventListener("change", (event) => {
      const steps = (event.target as HTMLInputElement).valueAsNumber;
      if (Number.isInteger(steps) && steps > 0) this.race.maxSteps = steps;
    });
  }
}

new Playground();
