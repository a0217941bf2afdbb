import type { TopLevelSpec } from "vega-lite";

import type { Trainer } from "./training.js";

/**
 * How much work a tour does: `quick` runs every scene small enough for a few
 * minutes on two cores, `full` runs longer and averages over more seeds.
 */
export type TourSize = "quick" | "full";

/** Inputs of an experiment: the tour's seed and size, and a trainer for its training runs. */
export interface SceneContext {
  seed: number;
  size: TourSize;
  trainer: Trainer;
}

/**
 * A chart of a scene: a Vega-Lite spec still to be rendered, or an SVG drawn
 * already (the landscape plots).
 */
export type SceneChart = {
  /** Anchor in the page and file name stem, unique within the tour. */
  id: string;
  title: string;
  /** One sentence for the caption: what is drawn and how. */
  description: string;
} & ({ spec: TopLevelSpec; svg?: undefined } | { svg: string; spec?: undefined });

/** A number as a table cell shows it. */
export type CellFormat = "number" | "percent" | "integer" | "seconds";

/** A table of measured numbers: one row per optimizer or setting. */
export interface MetricTable {
  /** Heading of the first column, such as "optimizer". */
  rowHeading: string;
  columns: ReadonlyArray<{ key: string; label: string; format?: CellFormat }>;
  rows: ReadonlyArray<{ label: string; values: Readonly<Record<string, number>> }>;
}

/** One part of a claim, tested against the measured numbers. */
export interface Check {
  /** Whether the numbers bear the part out. */
  holds: boolean;
  /** One sentence with the numbers, such as "Adagrad's median ... fell 40-fold". */
  text: string;
  /** The condition on the numbers that decides `holds`, in words. */
  criterion: string;
}

/** Result of a claim's checks: all held, some did, or none did. */
export type Outcome = "holds" | "holds in part" | "does not hold";

/** Everything one scene measured and shows. */
export interface SceneResult {
  /** Lowercase key and page anchor, such as `adagrad`. */
  id: string;
  title: string;
  /** The claim as people state it. */
  claim: string;
  /** Description of the experiment in a few sentences. */
  setup: string;
  /** The update rule or rules that the claim is about, in plain text. */
  rule: string;
  /** Settings of the run: seed, steps, optimizer options. */
  settings: Readonly<Record<string, string | number | boolean>>;
  tables: readonly MetricTable[];
  /** Every number the scene measured, by name; tables and checks draw on these. */
  numbers: Readonly<Record<string, number>>;
  checks: readonly Check[];
  /** Further findings in sentences with their numbers, outside the verdict. */
  notes: readonly string[];
  outcome: Outcome;
  /** One line built from the checks. */
  verdict: string;
  charts: readonly SceneChart[];
}

/**
 * An experiment of the tour. Most test one claim and return one section;
 * one training study serves two claims and returns a section for each.
 */
export interface Experiment {
  id: string;
  /** Ids of the sections `run` returns, in order. */
  sections: readonly string[];
  /** Part of descent the experiment needs besides core. */
  needs: "core" | "landscape" | "training";
  run(context: SceneContext): Promise<SceneResult | SceneResult[]> | SceneResult | SceneResult[];
}
