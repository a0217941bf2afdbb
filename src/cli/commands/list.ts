import type { Command } from "commander";
import { algorithms } from "../../core/index.js";

/** Formats the algorithm table that `descent list` prints. */
export function formatAlgorithmList(verbose: boolean): string {
  const width = Math.max(...algorithms.map((a) => a.name.length));
  const lines: string[] = [];
  for (const info of algorithms) {
    lines.push(`${info.name.padEnd(width)}  ${info.className}: ${info.summary}`);
    if (!verbose) continue;
    for (const option of info.options) {
      const shown = option.default === undefined ? "required" : `default ${JSON.stringify(option.default)}`;
      lines.push(`${" ".repeat(width + 4)}${option.name}: ${option.description}; ${option.range}, ${shown}`);
    }
  }
  return lines.join("\n");
}

/** Registers `descent list`, which prints every algorithm name and, with --options, its options. */
export function registerList(program: Command): void {
  program
    .command("list")
    .description("list every optimizer name descent accepts, with its options")
    .option("--options", "also list each optimizer's options, defaults and valid ranges")
    .action((flags: { options?: boolean }) => {
      process.stdout.write(`${formatAlgorithmList(Boolean(flags.options))}\n`);
    });
}
