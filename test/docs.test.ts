import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SCHEDULES = join(ROOT, "src", "schedules");

describe("schedule docs", () => {
  const links = readdirSync(SCHEDULES)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .flatMap((file) =>
      [
        ...readFileSync(join(SCHEDULES, file), "utf8").matchAll(
          /@see Plot[^:]*: (\S+)/g,
        ),
      ].map((match) => match[1]),
    );

  it("link a plot for each of the fourteen schedulers", () => {
    expect(new Set(links).size).toBe(14);
  });

  for (const link of links) {
    it(`${link} exists and is an SVG`, () => {
      const path = join(ROOT, link);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, "utf8")).toMatch(/^<svg/);
    });
  }
});
