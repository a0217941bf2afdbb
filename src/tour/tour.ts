import { adagradExperiment } from "./experiments/adagrad.js";
import { adamExperiment } from "./experiments/adam.js";
import { adamaxExperiment } from "./experiments/adamax.js";
import { amsgradExperiment } from "./experiments/amsgrad.js";
import { batchSizeExperiment } from "./experiments/batch-size.js";
import { generalisationExperiment } from "./experiments/generalisation.js";
import { learningRateExperiment } from "./experiments/learning-rate.js";
import { nadamExperiment, nesterovExperiment } from "./experiments/look-ahead.js";
import { momentumExperiment } from "./experiments/momentum.js";
import { movingAverageExperiment } from "./experiments/moving-average.js";
import { saddleExperiment } from "./experiments/saddle.js";
import type { Trainer } from "./training.js";
import type { Experiment, SceneResult, TourSize } from "./types.js";

/** Every experiment of the tour; their sections, in this order, follow the claims' usual order. */
export const EXPERIMENTS: readonly Experiment[] = [
  batchSizeExperiment,
  learningRateExperiment,
  saddleExperiment,
  momentumExperiment,
  nesterovExperiment,
  adagradExperiment,
  movingAverageExperiment,
  adamExperiment,
  adamaxExperiment,
  nadamExperiment,
  amsgradExperiment,
  generalisationExperiment,
];

/** Ids of every section, in page order. */
export const SECTION_IDS: readonly string[] = EXPERIMENTS.flatMap((experiment) => experiment.sections);

/** Settings of one tour. */
export interface TourOptions {
  size: TourSize;
  seed: number;
  /** Runs the training experiments' jobs. */
  trainer: Trainer;
  /** Ids of the experiments to run; default all. */
  only?: readonly string[];
  /** Called when an experiment starts and when it finishes. */
  onProgress?: (event: TourProgress) => void;
}

/** An experiment starting or finishing. */
export type TourProgress =
  | { kind: "start"; id: string }
  | { kind: "done"; id: string; seconds: number; sections: readonly SceneResult[] };

/** Everything one tour measured. */
export interface TourResult {
  size: TourSize;
  seed: number;
  /** Ids of the experiments run, when not all of them were. */
  only?: readonly string[];
  /** Sections in page order. */
  sections: SceneResult[];
  /** Wall-clock seconds of the whole tour and of each experiment. */
  seconds: number;
  experimentSeconds: Record<string, number>;
}

/**
 * Checks experiment ids given by a user.
 * @throws RangeError naming an unknown id and listing the valid ones.
 */
export function checkExperimentIds(ids: readonly string[]): void {
  const known = EXPERIMENTS.map((experiment) => experiment.id);
  for (const id of ids) {
    if (!known.includes(id)) {
      throw new RangeError(`Unknown tour experiment "${id}". Valid ids: ${known.join(", ")}.`);
    }
  }
}

/**
 * Runs the tour's experiments and collects their sections in page order.
 *
 * Training experiments start first: they queue their runs on the trainer,
 * whose workers train while this thread runs the other experiments one after
 * another. Apart from wall-clock times, each experiment's numbers depend only
 * on the seed, the size and the data.
 */
export async function runTour(options: TourOptions): Promise<TourResult> {
  if (options.only !== undefined) checkExperimentIds(options.only);
  const chosen = EXPERIMENTS.filter((experiment) => options.only?.includes(experiment.id) ?? true);
  const ordered = [
    ...chosen.filter((experiment) => experiment.needs === "training"),
    ...chosen.filter((experiment) => experiment.needs !== "training"),
  ];
  const started = performance.now();
  const experimentSeconds: Record<string, number> = {};
  const context = { seed: options.seed, size: options.size, trainer: options.trainer };

  const pending = ordered.map(async (experiment, index) => {
    // Lets earlier experiments queue their training jobs before this one occupies the thread.
    await new Promise((resolve) => setImmediate(resolve, index));
    options.onProgress?.({ kind: "start", id: experiment.id });
    const begun = performance.now();
    const output = await experiment.run(context);
    const sections = Array.isArray(output) ? output : [output];
    const seconds = (performance.now() - begun) / 1000;
    experimentSeconds[experiment.id] = seconds;
    options.onProgress?.({ kind: "done", id: experiment.id, seconds, sections });
    return sections;
  });
  const sections = (await Promise.all(pending)).flat();
  sections.sort((a, b) => SECTION_IDS.indexOf(a.id) - SECTION_IDS.indexOf(b.id));
  return {
    size: options.size,
    seed: options.seed,
    ...(options.only === undefined ? {} : { only: [...options.only] }),
    sections,
    seconds: (performance.now() - started) / 1000,
    experimentSeconds,
  };
}
