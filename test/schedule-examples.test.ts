import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as accumulate from "../src/core/accumulate.js";
import * as clip from "../src/core/clip.js";
import * as core from "../src/core/index.js";
import * as ema from "../src/core/ema.js";
import * as schedules from "../src/schedules/index.js";

const ROOT = join(import.meta.dirname, "..");
const FILES = [
  "src/schedules/lambda.ts",
  "src/schedules/step.ts",
  "src/schedules/warmup.ts",
  "src/schedules/decay.ts",
  "src/schedules/cosine.ts",
  "src/schedules/cyclic.ts",
  "src/schedules/one-cycle.ts",
  "src/schedules/plateau.ts",
  "src/schedules/composite.ts",
  "src/core/clip.ts",
  "src/core/accumulate.ts",
  "src/core/ema.ts",
];
const LIBRARY: Record<string, unknown> = { ...core, ...schedules, ...clip, ...accumulate, ...ema };

/** Returns the ```ts blocks under each @example tag of a source file, with the TSDoc stars removed. */
function examplesIn(source: string): string[] {
  const blocks: string[] = [];
  for (const match of source.matchAll(/@example\s*\n((?:\s*\*(?!\/).*\n)+?)\s*\*(?:\s*@|\/)/g)) {
    const lines = match[1].split("\n").map((line) => line.replace(/^\s*\* ?/, ""));
    const code = lines.join("\n").match(/```ts\n([\s\S]*?)```/);
    if (code) blocks.push(code[1]);
  }
  return blocks;
}

/**
 * A result that an example's comment claims. `[a, b]` is one array-valued
 * result; `a, b, c` are the single values of successive runs of a line in a loop.
 */
interface Claim {
  line: number;
  values: (number | boolean)[];
  successive: boolean;
  about: boolean;
}

const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:e-?\d+)?`;
const VALUE = String.raw`(?<about>about )?(?<value>\[[^\]]*\]|${NUMBER}(?:, ${NUMBER})*|true|false)`;
const TARGETED = new RegExp(String.raw`^(?<target>[A-Za-z_][\w.]*(?:\[\d+\])?) is (?:now |back to )?${VALUE}`);
const PLAIN = new RegExp(String.raw`^${VALUE}(?![\w.])`);

function parseValue(text: string): number | boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  return Number(text);
}

function parseClaim(comment: string, line: number): { claim: Claim; target?: string } | undefined {
  const match = comment.match(TARGETED) ?? comment.match(PLAIN);
  if (!match?.groups) return undefined;
  const { value, about, target } = match.groups;
  const bracketed = value.startsWith("[");
  const text = bracketed ? value.slice(1, -1) : value;
  const values = text.split(", ").map(parseValue);
  return { claim: { line, values, successive: !bracketed && values.length > 1, about: about !== undefined }, target };
}

/** Rewrites each line that claims a result so that it reports the actual value to `check`. */
function instrument(code: string): { js: string; claims: Claim[] } {
  const claims: Claim[] = [];
  const lines = code.split("\n").map((text, line) => {
    const comment = text.match(/^(?<indent>\s*)(?<statements>.*?)\s*\/\/ (?<comment>.*)$/)?.groups;
    if (!comment) return text;
    const parsed = parseClaim(comment.comment, line);
    if (!parsed) return text;
    claims.push(parsed.claim);
    const statements = comment.statements;
    const last = statements.replace(/;$/, "").split("; ").at(-1) ?? "";
    let actual: string;
    if (parsed.target) actual = parsed.target;
    else if (/^(const|let) \w+ = /.test(last)) actual = last.split(" ")[1];
    else if (/^\w+\.step\([^)]*\)$/.test(last)) actual = `${last.split(".")[0]}.getLastLr()`;
    else return `${comment.indent}${statements.slice(0, statements.length - last.length - 1)} check(${line}, ${last});`;
    return `${comment.indent}${statements} check(${line}, ${actual});`;
  });
  return { js: lines.join("\n"), claims };
}

function tolerance(expected: number, about: boolean, text: string): number {
  if (!about) return 1e-12 * Math.max(1, Math.abs(expected));
  const decimals = (text.split(".")[1] ?? "").length;
  return 0.5 * 10 ** -decimals;
}

function runExample(code: string): void {
  const { js, claims } = instrument(code);
  expect(claims.length, "the example claims no checkable result").toBeGreaterThan(0);
  const runs = new Map<number, number>();
  const check = (line: number, actual: unknown): void => {
    const claim = claims.find((p) => p.line === line) as Claim;
    const run = runs.get(line) ?? 0;
    runs.set(line, run + 1);
    const expected = claim.successive ? [claim.values[run]] : claim.values;
    const values = typeof actual === "number" || typeof actual === "boolean" ? [actual] : Array.from(actual as ArrayLike<number>);
    expect(values, `line ${line + 1}, run ${run + 1}`).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      if (typeof e === "boolean") {
        expect(values[i], `line ${line + 1}`).toBe(e);
        return;
      }
      const limit = tolerance(e, claim.about, String(e));
      expect(Math.abs((values[i] as number) - e), `line ${line + 1}, run ${run + 1}: ${values[i]} vs ${e}`).toBeLessThanOrEqual(limit);
    });
  };
  const transpiled = ts.transpileModule(js, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  const names = Object.keys(LIBRARY);
  const silence = { warn: () => {} };
  new Function("check", "console", ...names, transpiled)(check, silence, ...names.map((name) => LIBRARY[name]));
  for (const claim of claims) {
    const expectedRuns = claim.successive ? claim.values.length : 1;
    expect(runs.get(claim.line) ?? 0, `line ${claim.line + 1} ran a different number of times`).toBe(expectedRuns);
  }
}

describe("schedule, clipping, accumulation and averaging examples", () => {
  for (const file of FILES) {
    const examples = examplesIn(readFileSync(join(ROOT, file), "utf8"));
    it(`${file} has an example on every exported class and function`, () => {
      const exported = readFileSync(join(ROOT, file), "utf8").match(/^export (?:abstract )?(?:class|function) /gm) ?? [];
      expect(examples).toHaveLength(exported.length);
    });
    examples.forEach((code, index) => {
      it(`${file} example ${index + 1} gives what it claims`, () => {
        runExample(code);
      });
    });
  }
});
