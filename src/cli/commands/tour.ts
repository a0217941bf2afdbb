import { availableParallelism } from "node:os";
import { resolve } from "node:path";

import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";

import { SHIPPED_DATA_DIR, loadFashionMnist } from "../../train/idx.js";
import { describeCounts } from "../../tour/page.js";
import { EXPERIMENTS, type TourProgress, checkExperimentIds, runTour } from "../../tour/tour.js";
import { createTrainer } from "../../tour/training.js";
import { writeTour } from "../../tour/write.js";
import { checkOutputFolder, outputFolder } from "../options.js";

interface TourFlags {
  out: string;
  quick?: boolean;
  seed: number;
  only?: string[];
  workers?: number;
  data?: string;
}

function parseSeed(value: string): number {
  // Number("") is 0 and Number("0x10") is 16, so the digits are checked first.
  const seed = Number(value) + 0;
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`the seed must be an integer, got "${value}". Try 0.`);
  }
  return seed;
}

function parseWorkers(value: string): number {
  const workers = Number(value) + 0;
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(workers) || workers < 0) {
    throw new InvalidArgumentError(
      `the worker count must be an integer ≥ 0, got "${value}". Use 0 to train in the main thread.`,
    );
  }
  return workers;
}

function parseIds(value: string): string[] {
  const ids = value.split(",").map((id) => id.trim()).filter((id) => id !== "");
  if (ids.length === 0) {
    throw new InvalidArgumentError(
      `must name at least one experiment, got "${value}". Valid ids: ${EXPERIMENTS.map((e) => e.id).join(", ")}.`,
    );
  }
  try {
    checkExperimentIds(ids);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return ids;
}

/** Shows which experiments are done: a bar on a terminal, one line per experiment otherwise. */
function createTourProgress(total: number, stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY) {
    return {
      update(event: TourProgress) {
        if (event.kind === "done") {
          const outcomes = event.sections.map((section) => `${section.id}: ${section.outcome}`).join("; ");
          stream.write(`${event.id} done in ${event.seconds.toFixed(1)} s (${outcomes})\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream, format: " tour |{bar}| {value}/{total} experiments | {running}", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const running = new Set<string>();
  let done = 0;
  let stopped = false;
  bar.start(total, 0, { running: "" });
  return {
    update(event: TourProgress) {
      if (event.kind === "start") {
        running.add(event.id);
      } else {
        running.delete(event.id);
        done += 1;
      }
      bar.update(done, { running: [...running].join(", ") });
    },
    stop() {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

/**
 * Registers `descent tour`, which tests the usual claims about the
 * optimizers with one seeded experiment each and writes a page of the results.
 */
export function registerTour(program: Command): void {
  program
    .command("tour")
    .description("test the usual claims about the optimizers, one seeded experiment each, and write tour.html")
    .option("--out <dir>", "folder for tour.html, tour.md, tour.json and charts/", outputFolder("out/tour"), "out/tour")
    .option("--quick", "run every experiment small: a few minutes on two cores")
    .option("--seed <n>", "seed of every experiment", parseSeed, 0)
    .option(
      "--only <ids>",
      `comma-separated experiments to run (default all): ${EXPERIMENTS.map((e) => e.id).join(", ")}`,
      parseIds,
    )
    .option(
      "--workers <n>",
      "worker threads for the training runs (default: one per core; 0 trains in the main thread)",
      parseWorkers,
    )
    .option("--data <dir>", "folder with Fashion-MNIST in IDX format (default: the subset shipped with descent)")
    .addHelpText(
      "after",
      "\nExamples:\n  descent tour --quick --out tour\n  descent tour --only adagrad,amsgrad --out tour-adaptive",
    )
    .action(async (flags: TourFlags) => {
      checkOutputFolder(flags.out, "--out");
      const size = flags.quick ? "quick" : "full";
      const workers = flags.workers ?? availableParallelism();
      const dataDir = flags.data === undefined ? SHIPPED_DATA_DIR : resolve(flags.data);
      const chosen = EXPERIMENTS.filter((e) => flags.only?.includes(e.id) ?? true);
      // Reads the data once here, so that a bad folder fails before any experiment runs.
      if (chosen.some((e) => e.needs === "training")) loadFashionMnist(dataDir);
      const trainer = createTrainer({ workers, dataDir });
      const total = chosen.length;
      const progress = createTourProgress(total);
      try {
        const tour = await runTour({
          size,
          seed: flags.seed,
          trainer,
          only: flags.only,
          onProgress: (event) => progress.update(event),
        });
        progress.stop();
        for (const section of tour.sections) {
          process.stdout.write(`${section.title}: ${section.outcome}. ${section.verdict}\n`);
        }
        const written = await writeTour(tour, flags.out);
        process.stdout.write(`${describeCounts(tour.sections)}\nwrote ${written.html}, ${written.markdown}, ${written.json}\n`);
      } finally {
        progress.stop();
        await trainer.close();
      }
    });
}
