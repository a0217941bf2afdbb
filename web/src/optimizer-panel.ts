import { type AlgorithmInfo, type OptionInfo, algorithms } from "../../src/core/index.js";

/** One optimizer's place in the race: whether it runs, and the options it runs with. */
export interface OptimizerSetting {
  name: string;
  enabled: boolean;
  /** Options given to createOptimizer, `lr` included; the rest keep their defaults until edited. */
  options: Record<string, unknown>;
}

/** Colour of each optimizer's path, the same on every function. */
const COLORS = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#1f3a93",
  "#8c2d04", "#006d2c", "#6a3d9a", "#c51b7d", "#525252",
];

/** Returns the colour of an optimizer's path and legend swatch. */
export function optimizerColor(name: string): string {
  const index = algorithms.findIndex((a) => a.name === name);
  return COLORS[(index < 0 ? 0 : index) % COLORS.length];
}

/** Returns the palette's colour at `index`, for paths that are not one optimizer each. */
export function paletteColor(index: number): string {
  return COLORS[index % COLORS.length];
}

/**
 * The list of optimizers with a switch, a learning-rate box and the other
 * options of each, generated from core's algorithm registry so every option
 * it lists can be set here.
 */
export class OptimizerPanel {
  private readonly container: HTMLElement;
  private readonly onChange: () => void;
  private settings: OptimizerSetting[] = [];

  constructor(container: HTMLElement, onChange: () => void) {
    this.container = container;
    this.onChange = onChange;
  }

  /** Replaces every setting and redraws the panel. */
  load(settings: readonly OptimizerSetting[]): void {
    this.settings = settings.map((s) => ({ ...s, options: { ...s.options } }));
    this.container.replaceChildren(...this.settings.map((s) => this.renderRow(s)));
  }

  /** Returns the current settings, in the registry's order. */
  current(): readonly OptimizerSetting[] {
    return this.settings;
  }

  private renderRow(setting: OptimizerSetting): HTMLElement {
    const info = algorithms.find((a) => a.name === setting.name)!;
    const row = element("div", { className: "optimizer" });
    row.dataset.optimizer = setting.name;

    const enable = element("input", { type: "checkbox", checked: setting.enabled, title: info.summary });
    enable.dataset.enable = setting.name;
    enable.addEventListener("change", () => {
      setting.enabled = enable.checked;
      this.onChange();
    });
    const swatch = element("span", { className: "swatch" });
    swatch.style.background = optimizerColor(setting.name);
    const label = element("label", { className: "name", title: info.summary });
    label.append(enable, swatch, info.name);

    const lrInfo = info.options.find((o) => o.name === "lr")!;
    const lr = this.numberInput(setting, lrInfo);
    lr.dataset.lr = setting.name;
    const lrLabel = element("label", { className: "lr" });
    lrLabel.append("lr ", lr);

    const details = element("details");
    details.append(element("summary", { textContent: "options" }));
    for (const option of info.options) {
      if (option.name !== "lr") details.append(this.optionField(setting, info, option));
    }
    row.append(label, lrLabel, details);
    return row;
  }

  private optionField(setting: OptimizerSetting, info: AlgorithmInfo, option: OptionInfo): HTMLElement {
    const field = element("label", { className: "option", title: `${option.description}: ${option.range}` });
    field.append(`${option.name} `);
    if (option.type === "boolean") {
      const box = element("input", { type: "checkbox", checked: Boolean(setting.options[option.name] ?? option.default) });
      box.addEventListener("change", () => this.set(setting, option.name, box.checked));
      field.append(box);
    } else if (option.type === "betas") {
      const pair = [...((setting.options[option.name] ?? option.default) as [number, number])];
      pair.forEach((beta, k) => {
        const input = element("input", { type: "number", step: "any", value: String(beta), className: "beta" });
        input.addEventListener("change", () => {
          pair[k] = input.valueAsNumber;
          this.set(setting, option.name, [...pair]);
        });
        field.append(input);
      });
    } else {
      field.append(this.numberInput(setting, option));
    }
    field.dataset.option = `${info.name}.${option.name}`;
    return field;
  }

  private numberInput(setting: OptimizerSetting, option: OptionInfo): HTMLInputElement {
    const value = setting.options[option.name] ?? option.default;
    const input = element("input", { type: "number", step: "any", value: value === undefined ? "" : String(value) });
    input.addEventListener("change", () => this.set(setting, option.name, input.valueAsNumber));
    return input;
  }

  private set(setting: OptimizerSetting, name: string, value: unknown): void {
    setting.options[name] = value;
    this.onChange();
  }
}

/** Creates an element and assigns properties to it. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), properties);
}
