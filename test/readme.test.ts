import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { algorithmNames } from "../src/index.js";

const readme = readFileSync(
  join(import.meta.dirname, "..", "README.md"),
  "utf8",
);

describe("README", () => {
  it("starts with the two quick-start commands", () => {
    const quickStart = readme.split("## Quick start")[1]?.split("```")[1] ?? "";
    const commands = quickStart
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter((line) => line && line !== "sh");
    expect(commands).toEqual(["npm install && npm start", "npm test"]);
  });

  it("lists every algorithm name in its table", () => {
    const tableNames = [...readme.matchAll(/^\| `([a-z]+)` \|/gm)].map(
      (match) => match[1],
    );
    expect(tableNames.sort()).toEqual([...algorithmNames].sort());
  });
});
