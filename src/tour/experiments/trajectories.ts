import {
  type Domain,
  type Point,
  type TestFunction,
  type Trajectory,
  contourMap,
  getTestFunction,
  landscapeSvg,
  runTrajectory,
} from "../../landscape/index.js";
import { CHART_FONT } from "../../report/specs.js";
import { colorOf } from "../charts.js";
import type { LandscapeScene, SceneRun } from "../scenes.js";
import type { SceneChart } from "../types.js";

/** A scene's runs, each with its path. */
export interface PlayedScene {
  scene: LandscapeScene;
  fn: TestFunction;
  runs: Array<{ run: SceneRun; trajectory: Trajectory }>;
}

/** Runs every optimizer of a scene from its start for its steps. */
export function playScene(scene: LandscapeScene): PlayedScene {
  const fn = getTestFunction(scene.functionName);
  const runs = scene.runs.map((run) => ({
    run,
    trajectory: runTrajectory(fn, run.optimizer, run.options, scene.start, scene.steps),
  }));
  return { scene, fn, runs };
}

/** Returns the trajectory of the run labelled `label`. */
export function trajectoryOf(played: PlayedScene, label: string): Trajectory {
  const found = played.runs.find((entry) => entry.run.label === label);
  if (found === undefined) {
    throw new RangeError(
      `Scene "${played.scene.id}" has no run labelled "${label}"; its runs are ` +
        `${played.runs.map((entry) => `"${entry.run.label}"`).join(", ")}.`,
    );
  }
  return found.trajectory;
}

/**
 * Draws a scene with the landscape plot: contours of the function and each
 * run's path, coloured as in the tour's other charts.
 */
export function sceneChart(
  played: PlayedScene,
  chart: { id: string; title: string; description: string; domain?: Domain; colors?: readonly string[] },
): SceneChart {
  const contours = contourMap(played.fn, chart.domain ? { domain: chart.domain } : {});
  const svg = landscapeSvg(
    played.fn,
    played.runs.map(({ run, trajectory }, index) => ({
      label: run.label,
      detail: describeOptions(run.options, run.label),
      color: chart.colors?.[index] ?? colorOf(run.label, index),
      points: untilFarOutside(trajectory.points, contours.domain),
      finalValue: trajectory.values.at(-1),
      diverged: trajectory.diverged,
    })),
    { contours, fontFamily: `${CHART_FONT}, sans-serif`, plotWidth: 420 },
  );
  return { id: chart.id, title: chart.title, description: chart.description, svg };
}

/** Short legend names of options, so that a legend line fits the plot. */
const SHORT_NAMES: Readonly<Record<string, string>> = { momentum: "μ", betas: "β" };

/**
 * Formats options for a legend, `lr 0.01, μ 0.9`, leaving out those that
 * `label` already names.
 */
export function describeOptions(options: Readonly<Record<string, unknown>>, label = ""): string {
  return Object.entries(options)
    .filter(([name, value]) => !label.includes(`${name} ${String(value)}`))
    .map(([name, value]) => (value === true ? name : `${SHORT_NAMES[name] ?? name} ${String(value)}`))
    .join(", ");
}

/**
 * Cuts a path after its first point beyond the domain widened by half its
 * size on each side, so a diverging run leaves the plot with one long
 * segment instead of covering it with its swings.
 */
function untilFarOutside(points: readonly Point[], domain: Domain): readonly Point[] {
  const width = domain.x[1] - domain.x[0];
  const height = domain.y[1] - domain.y[0];
  const outside = ([x, y]: Point) =>
    x < domain.x[0] - width / 2 || x > domain.x[1] + width / 2 ||
    y < domain.y[0] - height / 2 || y > domain.y[1] + height / 2;
  const first = points.findIndex(outside);
  return first < 0 ? points : points.slice(0, first + 1);
}

/**
 * Coordinates of the ill-conditioned quadratic's valley: `along` runs down the
 * valley floor (u = (x + y)/√2, curvature 1) and `across` over it
 * (v = (x − y)/√2, curvature 50).
 */
export function valleyCoordinates([x, y]: Point): { along: number; across: number } {
  return { along: (x + y) * Math.SQRT1_2, across: (x - y) * Math.SQRT1_2 };
}

/** Motion of a path through the ravine: its zigzag over the floor and its overshoot past the minimum. */
export interface RavineMotion {
  /** Times the path crossed the valley floor (sign changes of v). */
  floorCrossings: number;
  /** Distance travelled across the valley beyond the |v₀| that reaching the floor takes. */
  extraCrossTravel: number;
  /** Furthest distance past the minimum along the valley floor, in the direction of travel. */
  overshootPastMinimum: number;
}

/** Measures a path over the quadratic ravine, which starts at u₀ < 0 and has its minimum at 0. */
export function ravineMotion(points: readonly Point[]): RavineMotion {
  const coordinates = points.map(valleyCoordinates);
  let floorCrossings = 0;
  let crossTravel = 0;
  let overshootPastMinimum = 0;
  const direction = -Math.sign(coordinates[0].along) || 1;
  for (let k = 1; k < coordinates.length; k++) {
    const [before, after] = [coordinates[k - 1], coordinates[k]];
    if (before.across * after.across < 0) floorCrossings += 1;
    crossTravel += Math.abs(after.across - before.across);
    overshootPastMinimum = Math.max(overshootPastMinimum, direction * after.along);
  }
  return {
    floorCrossings,
    extraCrossTravel: crossTravel - Math.abs(coordinates[0].across),
    overshootPastMinimum,
  };
}
