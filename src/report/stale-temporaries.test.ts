import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

import { removeStaleTemporaries } from "./stale-temporaries.js";

/** Returns the id of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(
    process.execPath,
    ["-e", "process.stdout.write(String(process.pid))"],
    {
      encoding: "utf8",
    },
  );
  return Number(child.stdout);
}

describe("removeStaleTemporaries", () => {
  it("removes files of exited processes only", () => {
    const dir = mkdtempSync(join(tmpdir(), "descent-stale-"));
    const dead = deadPid();
    const stale = [
      `checkpoint.json.${dead}.tmp`,
      `.checkpoint.json.${dead}.0a1b.tmp`,
    ];
    const kept = [
      `checkpoint.json.${process.pid}.tmp`,
      "checkpoint.json",
      `other.json.${dead}.tmp`,
    ];
    for (const file of [...stale, ...kept]) writeFileSync(join(dir, file), "x");
    removeStaleTemporaries(dir, "checkpoint.json");
    for (const file of stale)
      expect(existsSync(join(dir, file)), file).toBe(false);
    for (const file of kept)
      expect(existsSync(join(dir, file)), file).toBe(true);
  });

  it("ignores a folder that does not exist", () => {
    expect(() =>
      removeStaleTemporaries(join(tmpdir(), "descent-no-such-folder"), "x"),
    ).not.toThrow();
  });
});
