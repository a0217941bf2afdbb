import { algorithms } from "../../src/core/index.js";
import { getTestFunction } from "../../src/landscape/index.js";
import type { SceneRun } from "../../src/tour/scenes.js";
import { LossChart } from "./loss-chart.js";
import { element, optimizerColor, paletteColor } from "./optimizer-panel.js";
import { LandscapePlot } from "./plot.js";
import { Race, type RaceEntry } from "./race.js";
import { type TourScene, tourScenes } from "./tour-scenes.js";
import "./style.css";

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/**
 * Returns the colour of a run: the playground's colour for a run labelled with
 * an optimizer's name, else the palette's colour for its place in the scene,
 * so that runs of one optimizer at several settings stay apart.
 */
function runColor(run: SceneRun, index: number): string {
  const named = algorithms.some((algorithm) => algorithm.name === run.label);
  return named ? optimizerColor(run.label) : paletteColor(index);
}

/**
 * Formats a run's optimizer and options as `sgd(lr 0.005, momentum 0.9)`,
 * with an alias such as `momentum` spelt out as the algorithm and options it presets.
 */
function describeRun(run: SceneRun): string {
  const alias = algorithms.find((algorithm) => algorithm.name === run.optimizer)?.aliasOf;
  const optimizer = alias?.name ?? run.optimizer;
  // The first spread puts the run's options first in the list, and the last one lets their values win.
  const options = Object.entries({ ...run.options, ...alias?.options, ...run.options }).map(([name, value]) =>
    value === true ? name : `${name} ${String(value)}`,
  );
  return `${optimizer}(${options.join(", ")})`;
}

/** The tour page: a list of scenes and the selected scene's race, which starts paused at step 0. */
class TourPage {
  private readonly plot = new LandscapePlot(byId("plot"), () => {});
  private readonly race = new Race({
    plot: this.plot,
    lossChart: new LossChart(byId("loss")),
    readoutBody: byId("readout-body"),
    playButton: byId("play"),
    speed: byId("speed"),
  });

  constructor() {
    this.buildSceneList();
    this.race.bindButtons(byId("step"), byId("reset"));
    this.showScene(this.sceneInAddress() ?? tourScenes[0]);
    window.addEventListener("hashchange", () => {
      const scene = this.sceneInAddress();
      if (scene) this.showScene(scene);
    });
  }

  /** Returns the scene named by the address's fragment, e.g. `#saddle`. */
  private sceneInAddress(): TourScene | undefined {
    return tourScenes.find(({ scene }) => `#${scene.id}` === window.location.hash);
  }

  private buildSceneList(): void {
    const items = tourScenes.map(({ scene, title }, index) => {
      const link = element("a", { href: `#${scene.id}`, textContent: `${index + 1}. ${title}` });
      const item = element("li");
      item.dataset.scene = scene.id;
      item.append(link);
      return item;
    });
    byId("scene-list").replaceChildren(...items);
  }

  /** Shows a scene's texts and loads its race, paused at step 0. */
  private showScene(tourScene: TourScene): void {
    const { scene } = tourScene;
    const fn = getTestFunction(scene.functionName);
    byId("scene-title").textContent = tourScene.title;
    byId("scene-claim").textContent = tourScene.claim;
    byId("scene-explanation").textContent = tourScene.explanation;
    const caption = scene.caption.charAt(0).toUpperCase() + scene.caption.slice(1);
    byId("scene-setup").textContent = `${caption}. ${scene.steps} steps from (${scene.start.join(", ")}).`;
    byId("function-formula").textContent = `${fn.title}: f(x, y) = ${fn.formula}`;
    for (const link of Array.from(byId("scene-list").querySelectorAll("a"))) {
      if (link.hash === `#${scene.id}`) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }

    const entries: RaceEntry[] = scene.runs.map((run, index) => ({
      name: run.label,
      optimizer: run.optimizer,
      options: run.options,
      color: runColor(run, index),
    }));
    this.showLegend(scene.runs, entries);
    this.race.pause();
    this.plot.setFunction(fn);
    this.race.maxSteps = scene.steps;
    this.race.load(fn, scene.start, entries);
  }

  private showLegend(runs: readonly SceneRun[], entries: readonly RaceEntry[]): void {
    const items = runs.map((run, index) => {
      const swatch = element("span", { className: "swatch" });
      swatch.style.background = entries[index].color;
      const item = element("li");
      item.dataset.optimizer = run.label;
      item.append(swatch, element("strong", { textContent: run.label }), ` = ${describeRun(run)}`);
      return item;
    });
    byId("legend").replaceChildren(...items);
  }
}

new TourPage();
