/**
 * Makes the class-balanced Fashion-MNIST subset shipped in data/fashion-mnist.
 *
 * For each split and each of the 10 classes it draws a fixed number of images
 * at random with seeded Mulberry32 (src/train/random.ts). It keeps them in
 * their original order and writes the four files in IDX format, gzipped at
 * level 9. The same source files and seed always give the same bytes.
 *
 * Usage:
 *   npx tsx scripts/make-subset.ts [--source DIR] [--out DIR] [--seed N]
 *     [--train-per-class N] [--test-per-class N]
 *
 * Defaults: source /usr/share/datasets/fashion-mnist (Debian's
 * dataset-fashion-mnist package), out data/fashion-mnist, seed 20171025,
 * 600 training and 100 test images per class (6,000 and 1,000 in all).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

import {
  IDX_FILE_NAMES,
  NUM_CLASSES,
  type ImageSet,
  encodeIdx,
  loadFashionMnist,
} from "../src/train/idx.js";
import { Random } from "../src/train/random.js";

const { values } = parseArgs({
  options: {
    source: { type: "string", default: "/usr/share/datasets/fashion-mnist" },
    out: { type: "string", default: "data/fashion-mnist" },
    seed: { type: "string", default: "20171025" },
    "train-per-class": { type: "string", default: "600" },
    "test-per-class": { type: "string", default: "100" },
  },
});

/** Draws `perClass` indices of each class and returns them in order. */
function balancedIndices(
  set: ImageSet,
  perClass: number,
  random: Random,
): number[] {
  const chosen: number[] = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const members: number[] = [];
    set.labels.forEach((l, i) => {
      if (l === label) members.push(i);
    });
    if (members.length < perClass) {
      throw new RangeError(
        `class ${label} has ${members.length} images, fewer than the ` +
          `${perClass} requested per class. Lower the count per class.`,
      );
    }
    chosen.push(...random.shuffle(members).slice(0, perClass));
  }
  return chosen.sort((a, b) => a - b);
}

function writeSplit(
  set: ImageSet,
  indices: number[],
  imagesName: string,
  labelsName: string,
): void {
  const pixels = set.rows * set.cols;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  indices.forEach((source, i) => {
    images.set(set.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
    labels[i] = set.labels[source];
  });
  const imageDims = [indices.length, set.rows, set.cols];
  const gzip = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 });
  writeFileSync(join(values.out, `${imagesName}.gz`), gzip(encodeIdx(imageDims, images)));
  writeFileSync(join(values.out, `${labelsName}.gz`), gzip(encodeIdx([indices.length], labels)));
}

const source = loadFashionMnist(values.source);
const random = new Random(Number(values.seed));
const trainIndices = balancedIndices(source.train, Number(values["train-per-class"]), random);
const testIndices = balancedIndices(source.test, Number(values["test-per-class"]), random);

mkdirSync(values.out, { recursive: true });
const names = IDX_FILE_NAMES;
writeSplit(source.train, trainIndices, names.trainImages, names.trainLabels);
writeSplit(source.test, testIndices, names.testImages, names.testLabels);
console.log(
  `Wrote ${trainIndices.length} training and ${testIndices.length} test ` +
    `images to ${values.out} (seed ${values.seed}).`,
);
