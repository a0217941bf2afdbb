import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

/** The built command-line program; `npm test` builds it first. */
export const CLI = join(
  import.meta.dirname,
  "..",
  "..",
  "dist",
  "cli",
  "main.js",
);

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `descent ARGS` to completion. */
export function runCli(args: string[], timeoutMs = 300_000): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** Starts `descent ARGS` without waiting, for tests that interrupt it. */
export function startCli(args: string[]) {
  return spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}
