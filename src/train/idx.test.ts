import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  DataFileError,
  IDX_FILE_NAMES,
  SHIPPED_DATA_DIR,
  encodeIdx,
  loadFashionMnist,
  parseIdx,
  readIdxFile,
} from "./idx.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "descent-idx-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a valid dataset of `count` 2 × 3 images per split. */
function writeDataset(count: number, options: { gzip: boolean }): void {
  const images = Uint8Array.from({ length: count * 6 }, (_, i) => i % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const suffix = options.gzip ? ".gz" : "";
  const encode = (bytes: Uint8Array) =>
    options.gzip ? gzipSync(bytes) : bytes;
  for (const [imagesName, labelsName] of [
    [IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels],
    [IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels],
  ]) {
    const imageFile = encode(encodeIdx([count, 2, 3], images));
    writeFileSync(join(dir, imagesName + suffix), imageFile);
    writeFileSync(join(dir, labelsName + suffix), encode(encodeIdx([count], labels)));
  }
}

function labelsPath(): string {
  return join(dir, IDX_FILE_NAMES.trainLabels);
}

function expectDataFileError(run: () => unknown, ...fragments: string[]) {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DataFileError);
  for (const fragment of fragments) {
    expect((caught as Error).message).toContain(fragment);
  }
}

describe("readIdxFile", () => {
  it("reads an uncompressed file", () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5, 6);
    writeFileSync(labelsPath(), encodeIdx([2, 3], data));
    const idx = readIdxFile(labelsPath(), 2);
    expect(idx.dims).toEqual([2, 3]);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("reads a gzipped file by its magic bytes", () => {
    const data = Uint8Array.of(7, 8, 9);
    writeFileSync(labelsPath(), gzipSync(encodeIdx([3], data)));
    const idx = readIdxFile(labelsPath(), 1);
    expect(idx.dims).toEqual([3]);
    expect(Array.from(idx.data)).toEqual([7, 8, 9]);
  });

  it("rejects a bad magic number", () => {
    const bytes = encodeIdx([3], Uint8Array.of(1, 2, 3));
    bytes[0] = 0x50;
    writeFileSync(labelsPath(), bytes);
    expectDataFileError(
      () => readIdxFile(labelsPath(), 1),
      labelsPath(),
      "invalid magic number",
      "0x50",
    );
  });

  it("rejects a data type other than unsigned byte", () => {
    const bytes = encodeIdx([3], Uint8Array.of(1, 2, 3));
    bytes[2] = 0x0d;
    writeFileSync(labelsPath(), bytes);
    expectDataFileError(
      () => readIdxFile(labelsPath(), 1),
      "unsupported data type 0x0d",
    );
  });

  it("rejects the wrong number of dimensions", () => {
    writeFileSync(labelsPath(), encodeIdx([3], Uint8Array.of(1, 2, 3)));
    expectDataFileError(
      () => readIdxFile(labelsPath(), 3),
      "file has 1 dimensions, expected 3",
    );
  });

  it("rejects a truncated uncompressed file", () => {
    const bytes = encodeIdx([4, 5], new Uint8Array(20));
    writeFileSync(labelsPath(), bytes.subarray(0, bytes.length - 3));
    expectDataFileError(
      () => readIdxFile(labelsPath(), 2),
      "truncated",
      "4 × 5",
      "holds 29 bytes",
    );
  });

  it("rejects a truncated header", () => {
    const bytes = encodeIdx([4, 5], new Uint8Array(20));
    writeFileSync(labelsPath(), bytes.subarray(0, 7));
    expectDataFileError(() => readIdxFile(labelsPath(), 2), "12-byte header");
  });

  it("rejects a file longer than its header claims", () => {
    const bytes = encodeIdx([4], Uint8Array.of(1, 2, 3, 4));
    writeFileSync(labelsPath(), Uint8Array.of(...bytes, 0, 0));
    expectDataFileError(() => readIdxFile(labelsPath(), 1), "holds 14 bytes");
  });

  it("rejects a truncated gzipped file", () => {
    const zipped = gzipSync(encodeIdx([1000], new Uint8Array(1000).fill(3)));
    writeFileSync(labelsPath(), zipped.subarray(0, zipped.length - 6));
    expectDataFileError(
      () => readIdxFile(labelsPath(), 1),
      labelsPath(),
      "truncated or corrupt",
    );
  });

  it("rejects gzip data shorter than a gzip header and trailer", () => {
    const path = join(dir, "tiny");
    writeFileSync(path, Uint8Array.of(0x1f, 0x8b, 0x08));
    expectDataFileError(
      () => readIdxFile(path, 1),
      path,
      "gzip data is truncated or corrupt",
      "3 bytes",
    );
  });

  it("rejects a huge claimed size before inflating it", () => {
    const bytes = encodeIdx([4, 5, 6], new Uint8Array(120));
    new DataView(bytes.buffer).setUint32(4, 0xffffffff, false);
    writeFileSync(labelsPath(), gzipSync(bytes));
    expectDataFileError(
      () => readIdxFile(labelsPath(), 3),
      "4294967295 × 5 × 6",
      "more than",
    );
  });

  it("rejects a huge claimed size in an uncompressed file", () => {
    const bytes = encodeIdx([4, 5], new Uint8Array(20));
    new DataView(bytes.buffer).setUint32(4, 0x00ffffff, false);
    writeFileSync(labelsPath(), bytes);
    expectDataFileError(
      () => readIdxFile(labelsPath(), 2),
      "truncated",
      "16777215 × 5",
    );
  });

  it("rejects gzipped contents longer than the header claims", () => {
    // The trailer agrees with the header modulo 2³², the content does not.
    const bytes = encodeIdx([2], Uint8Array.of(1, 2));
    const padded = new Uint8Array(bytes.length + 2 ** 16);
    padded.set(bytes);
    const zipped = gzipSync(padded);
    new DataView(zipped.buffer, zipped.byteOffset).setUint32(
      zipped.length - 4,
      bytes.length,
      true,
    );
    writeFileSync(labelsPath(), zipped);
    expectDataFileError(
      () => readIdxFile(labelsPath(), 1),
      labelsPath(),
      "decompresses to more than the 10 bytes",
    );
  });
});

describe("parseIdx", () => {
  it("returns a view of the values after the header", () => {
    const idx = parseIdx(encodeIdx([2, 2], Uint8Array.of(4, 3, 2, 1)), "x", 2);
    expect(Array.from(idx.data)).toEqual([4, 3, 2, 1]);
  });

  it("rejects a file shorter than the magic number", () => {
    expectDataFileError(() => parseIdx(Uint8Array.of(0, 0), "x", 1), "too short");
  });
});

describe("loadFashionMnist", () => {
  it("loads gzipped files", () => {
    writeDataset(12, { gzip: true });
    const data = loadFashionMnist(dir);
    expect(data.train.count).toBe(12);
    expect(data.train.rows).toBe(2);
    expect(data.train.cols).toBe(3);
    expect(data.train.images.length).toBe(72);
    expect(Array.from(data.test.labels.subarray(0, 11))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0,
    ]);
  });

  it("loads uncompressed files", () => {
    writeDataset(5, { gzip: false });
    const data = loadFashionMnist(dir);
    expect(data.test.count).toBe(5);
    expect(data.test.images[7]).toBe(7);
  });

  it("rejects a missing file naming it", () => {
    writeDataset(5, { gzip: true });
    unlinkSync(join(dir, `${IDX_FILE_NAMES.testLabels}.gz`));
    expectDataFileError(
      () => loadFashionMnist(dir),
      IDX_FILE_NAMES.testLabels,
      "not found",
    );
  });

  it("rejects a folder in place of a file", () => {
    writeDataset(5, { gzip: true });
    const path = join(dir, `${IDX_FILE_NAMES.trainImages}.gz`);
    unlinkSync(path);
    mkdirSync(path);
    expectDataFileError(
      () => loadFashionMnist(dir),
      path,
      "is a folder, not a file",
    );
  });

  it("rejects a missing folder", () => {
    expectDataFileError(
      () => loadFashionMnist(join(dir, "absent")),
      "data folder not found",
    );
  });

  it("rejects a file given as the folder", () => {
    const file = join(dir, "notes.txt");
    writeFileSync(file, "not data");
    expectDataFileError(
      () => loadFashionMnist(file),
      `${file}: a file, not a data folder. Give a folder`,
    );
  });

  it("rejects a label out of range", () => {
    writeDataset(5, { gzip: false });
    writeFileSync(labelsPath(), encodeIdx([5], Uint8Array.of(0, 1, 12, 3, 4)));
    expectDataFileError(
      () => loadFashionMnist(dir),
      labelsPath(),
      "label 12 at index 2",
    );
  });

  it("rejects label and image counts that differ", () => {
    writeDataset(5, { gzip: false });
    writeFileSync(labelsPath(), encodeIdx([4], Uint8Array.of(0, 1, 2, 3)));
    expectDataFileError(
      () => loadFashionMnist(dir),
      "holds 4 labels",
      "5 images",
    );
  });

  it("loads the shipped subset balanced by class", () => {
    const data = loadFashionMnist(SHIPPED_DATA_DIR);
    expect(data.train.count).toBe(6000);
    expect(data.test.count).toBe(1000);
    expect(data.train.rows * data.train.cols).toBe(784);
    const perClass = new Array(10).fill(0);
    data.train.labels.forEach((label) => perClass[label]++);
    expect(perClass).toEqual(new Array(10).fill(600));
  });
});
