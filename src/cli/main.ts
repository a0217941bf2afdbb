#!/usr/bin/env node
import { Command } from "commander";
import { registerCompare } from "./commands/compare.js";
import { registerList } from "./commands/list.js";
import { registerReport } from "./commands/report.js";
import { registerTrain } from "./commands/train.js";
import { registerBench } from "./commands/bench.js";
import { registerLandscape } from "./commands/landscape.js";
import { registerTour } from "./commands/tour.js";

/** Builds the `descent` command-line program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("descent")
    .description(
      "Gradient-descent optimizers from SGD to AdaBound: compare them, train with them, watch them.",
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  registerCompare(program);
  registerTrain(program);
  registerReport(program);
  registerList(program);
  registerBench(program);
  registerLandscape(program);
  registerTour(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(
      `descent: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
