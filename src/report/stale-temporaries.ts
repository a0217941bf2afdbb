import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Tells whether process `pid` is running on this machine. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary files that a killed process left in `dir` while it
 * wrote `name` atomically: files named after `name` with a process id, such
 * as `checkpoint.json.4711.tmp` or `.metrics.jsonl.4711.9f3a.tmp`, whose
 * process no longer runs. Files of running processes are left alone.
 */
export function removeStaleTemporaries(dir: string, name: string): void {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^\\.?${escaped}\\.(\\d+)(\\.[0-9a-f]+)?\\.tmp$`);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid))
      continue;
    rmSync(join(dir, entry), { force: true });
  }
}
