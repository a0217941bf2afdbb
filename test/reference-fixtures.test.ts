import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REFERENCE_DIR } from "./helpers/reference.js";

/**
 * The golden suites are only as good as their fixtures, so these tests pin
 * the fixture files in two ways. A SHA-256 list in `sha256sum` format,
 * written from the original vectors when they were copied in, applies
 * everywhere: it catches an edited, truncated, added or missing file. Where
 * the original vectors sit beside the repository, each fixture must also
 * equal its original byte for byte.
 *
 * NOTE: on a clone without the originals, nothing here catches a fixture
 * edited together with its line in the SHA-256 list. Only review of the diff
 * does.
 */
const MANIFEST = join(REFERENCE_DIR, "..", "reference.sha256");
const ORIGINALS = join(import.meta.dirname, "..", "..", "shared", "reference");

/** Parses `sha256sum` output: one `<hex digest>  <file name>` per line. */
function readManifest(): Map<string, string> {
  const digests = new Map<string, string>();
  for (const line of readFileSync(MANIFEST, "utf8").split("\n")) {
    if (line === "") continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match === null) {
      throw new Error(
        `${MANIFEST}: invalid line "${line}", expected "<sha256>  <file>". Regenerate the list with sha256sum from the original vectors.`,
      );
    }
    digests.set(match[2], match[1]);
  }
  return digests;
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Describes the first byte where `copy` and `original` differ, or returns "". */
function firstDifference(copy: Buffer, original: Buffer): string {
  const length = Math.min(copy.length, original.length);
  for (let i = 0; i < length; i++) {
    if (copy[i] !== original[i]) {
      return `byte ${i}: copy has ${copy[i]}, original has ${original[i]}`;
    }
  }
  if (copy.length !== original.length) {
    return `copy has ${copy.length} bytes, original has ${original.length}`;
  }
  return "";
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).sort();
}

const manifest = readManifest();

describe("reference fixtures", () => {
  it("are exactly the files in the SHA-256 list", () => {
    expect(listFiles(REFERENCE_DIR)).toEqual([...manifest.keys()].sort());
  });

  for (const [file, digest] of manifest) {
    it(`${file} matches its SHA-256 digest`, () => {
      expect(sha256(join(REFERENCE_DIR, file)), `${file} changed`).toBe(digest);
    });
  }

  // These tests exist only where the originals do. The SHA-256 tests above
  // run everywhere.
  if (existsSync(ORIGINALS)) {
    it("hold the same files as the originals", () => {
      expect(listFiles(REFERENCE_DIR)).toEqual(listFiles(ORIGINALS));
    });

    for (const file of listFiles(ORIGINALS)) {
      it(`${file} equals the original byte for byte`, () => {
        const copy = readFileSync(join(REFERENCE_DIR, file));
        const original = readFileSync(join(ORIGINALS, file));
        expect(firstDifference(copy, original)).toBe("");
      });
    }
  }
});
