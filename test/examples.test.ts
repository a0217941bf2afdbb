import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as descent from "../src/index.js";

const ALGORITHM_DIR = join(
  import.meta.dirname,
  "..",
  "src",
  "core",
  "algorithms",
);

/** Extracts the ```ts blocks under each @example tag of a source file, without the TSDoc stars. */
function examplesIn(source: string): string[] {
  const blocks: string[] = [];
  for (const match of source.matchAll(
    /@example\s*\n((?:\s*\*.*\n)+?)\s*\*\s*@/g,
  )) {
    const lines = match[1]
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""));
    const code = lines.join("\n").match(/```ts\n([\s\S]*?)```/);
    if (code) blocks.push(code[1]);
  }
  return blocks;
}

/** Parses the value an example's last comment promises: `// w.data[0] ≈ 0.9` or `// w.data is now [a, b]`. */
function promise(code: string): {
  expression: string;
  values: number[];
  approximate: boolean;
} {
  const match = code.match(
    /\/\/ (w\.data(?:\[0\])?) (?:is now|=|≈) (\[[^\]]+\]|-?[\d.]+)/,
  );
  if (!match)
    throw new Error(`example has no checkable result comment:\n${code}`);
  const values = JSON.parse(
    match[2].startsWith("[") ? match[2] : `[${match[2]}]`,
  ) as number[];
  return { expression: match[1], values, approximate: match[0].includes("≈") };
}

function decimals(value: number): number {
  return (String(value).split(".")[1] ?? "").length;
}

const names = Object.keys(descent);
const files = readdirSync(ALGORITHM_DIR).filter(
  (file) => file.endsWith(".ts") && !file.endsWith(".test.ts"),
);

describe("TSDoc examples", () => {
  for (const file of files) {
    const examples = examplesIn(
      readFileSync(join(ALGORITHM_DIR, file), "utf8"),
    );
    examples.forEach((code, index) => {
      it(`${file} example ${index + 1} prints what it claims`, () => {
        const { expression, values, approximate } = promise(code);
        const js = ts.transpileModule(
          `${code}\nreturn Array.from([${expression}].flatMap((x) => typeof x === "number" ? [x] : Array.from(x)));`,
          {
            compilerOptions: { target: ts.ScriptTarget.ES2022 },
          },
        ).outputText;
        const run = new Function(...names, js) as (
          ...args: unknown[]
        ) => number[];
        const actual = run(
          ...names.map((name) => (descent as Record<string, unknown>)[name]),
        );
        values.forEach((expected, i) => {
          const tolerance = approximate
            ? 0.5 * 10 ** -decimals(expected)
            : 1e-12;
          expect(
            Math.abs(actual[i] - expected),
            `element ${i}: ${actual[i]} vs ${expected}`,
          ).toBeLessThanOrEqual(tolerance);
        });
      });
    });
  }

  it("every algorithm file has an example", () => {
    for (const file of files) {
      expect(
        examplesIn(readFileSync(join(ALGORITHM_DIR, file), "utf8")).length,
        file,
      ).toBeGreaterThan(0);
    }
  });
});
