import { constants as bufferConstants } from "node:buffer";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants as zlibConstants, gunzipSync } from "node:zlib";

/**
 * Reading MNIST-format datasets: the IDX files of Fashion-MNIST and MNIST,
 * gzipped or not.
 *
 * An IDX file is a 4-byte magic number (two zero bytes, a data-type code and
 * the number of dimensions), one big-endian 32-bit size per dimension, then
 * the values in row-major order. The format is described on Yann LeCun's
 * MNIST page; only the unsigned-byte type (0x08) that both datasets use is
 * read here.
 */

/** IDX data-type code of unsigned bytes, the only type MNIST files use. */
export const IDX_UNSIGNED_BYTE = 0x08;

/** Number of classes; labels must lie in 0 to NUM_CLASSES - 1. */
export const NUM_CLASSES = 10;

/** File names of the four files, without the `.gz` extension. */
export const IDX_FILE_NAMES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The Fashion-MNIST subset shipped in this package's `data/` folder. */
export const SHIPPED_DATA_DIR = fileURLToPath(
  new URL("../../data/fashion-mnist", import.meta.url),
);

const GZIP_MAGIC = [0x1f, 0x8b];
/** A 10-byte gzip header and an 8-byte trailer, around the deflate data. */
const GZIP_MIN_BYTES = 18;

// A deflate stream expands at most about 1032-fold, so this much compressed
// input decompresses to a few megabytes at most, enough for any IDX header.
const GZIP_HEADER_PROBE_BYTES = 4096;

/** An IDX file's dimensions and its values in row-major order. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** One split of an image-classification dataset. */
export interface ImageSet {
  /** Pixel values 0-255, `count × rows × cols`, row-major. */
  images: Uint8Array;
  /** Class labels 0-9, one per image. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Training and test splits of an MNIST-format dataset. */
export interface MnistDataset {
  train: ImageSet;
  test: ImageSet;
}

/** Error for a data file that is missing or not a valid IDX file. */
export class DataFileError extends Error {
  override name = "DataFileError";

  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

interface IdxHeader {
  dims: number[];
  headerLength: number;
  /** Total file length the header implies, header included. */
  claimedLength: number;
}

function readHeader(
  bytes: Uint8Array,
  file: string,
  expectedRank: number,
): IdxHeader {
  const notIdx =
    "Check that it is an MNIST-format IDX file, gzipped or not.";
  if (bytes.length < 4) {
    throw new DataFileError(
      file,
      `file is ${bytes.length} bytes long, too short for the 4-byte IDX ` +
        `magic number. ${notIdx}`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFileError(
      file,
      `invalid magic number: it starts with ${hex(bytes[0])} ` +
        `${hex(bytes[1])}, but an IDX file starts with 0x00 0x00. ${notIdx}`,
    );
  }
  if (bytes[2] !== IDX_UNSIGNED_BYTE) {
    throw new DataFileError(
      file,
      `unsupported data type ${hex(bytes[2])}: only unsigned bytes ` +
        `(0x08), as in MNIST and Fashion-MNIST, can be read.`,
    );
  }
  const rank = bytes[3];
  if (rank !== expectedRank) {
    throw new DataFileError(
      file,
      `file has ${rank} dimensions, expected ${expectedRank} ` +
        `(${expectedRank === 3 ? "images: count, rows, columns" : "labels: count"}). ` +
        `Check that the file is not misnamed.`,
    );
  }

  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new DataFileError(
      file,
      `file is truncated: it is ${bytes.length} bytes long, shorter than ` +
        `its ${headerLength}-byte header. Download the file again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const claimedLength = headerLength + dims.reduce((a, b) => a * b, 1);
  return { dims, headerLength, claimedLength };
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

function describeDims(dims: number[]): string {
  return dims.join(" × ");
}

function checkClaimedLength(header: IdxHeader, file: string): void {
  if (header.claimedLength > bufferConstants.MAX_LENGTH) {
    throw new DataFileError(
      file,
      `header claims dimensions ${describeDims(header.dims)}, ` +
        `${header.claimedLength} bytes in all, more than the ` +
        `${bufferConstants.MAX_LENGTH} bytes a Node.js buffer can hold. ` +
        `The header is corrupt: download the file again.`,
    );
  }
}

function checkLength(header: IdxHeader, actual: number, file: string): void {
  if (actual === header.claimedLength) return;
  const claim =
    `its header claims dimensions ${describeDims(header.dims)}, ` +
    `${header.claimedLength} bytes in all`;
  const problem =
    actual < header.claimedLength
      ? `file is truncated: it holds ${actual} bytes but ${claim}`
      : `file holds ${actual} bytes but ${claim}; the extra bytes mean ` +
        `the header is wrong`;
  throw new DataFileError(file, `${problem}. Download the file again.`);
}

/**
 * Parses an uncompressed IDX file of unsigned bytes.
 *
 * @param bytes The whole file.
 * @param file File name used in error messages.
 * @param expectedRank Number of dimensions the file must have.
 * @returns The dimensions and a view of `bytes` holding the values.
 * @throws DataFileError if the magic number, data type or number of
 *   dimensions is wrong, or the length disagrees with the header.
 */
export function parseIdx(
  bytes: Uint8Array,
  file: string,
  expectedRank: number,
): IdxArray {
  const header = readHeader(bytes, file, expectedRank);
  checkClaimedLength(header, file);
  checkLength(header, bytes.length, file);
  return { dims: header.dims, data: bytes.subarray(header.headerLength) };
}

/**
 * Encodes values as an uncompressed IDX file of unsigned bytes.
 *
 * @throws RangeError if `data.length` is not the product of `dims`.
 */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new RangeError(
      `encodeIdx: data has ${data.length} values but dimensions ` +
        `${describeDims(dims)} need ${size}.`,
    );
  }
  const bytes = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(bytes.buffer);
  bytes[2] = IDX_UNSIGNED_BYTE;
  bytes[3] = dims.length;
  dims.forEach((dim, d) => view.setUint32(4 + 4 * d, dim, false));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function gzipError(file: string, error: unknown): DataFileError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DataFileError(
    file,
    `gzip data is truncated or corrupt (zlib: ${reason}). ` +
      `Download the file again.`,
  );
}

/**
 * Decompresses a gzipped IDX file, checking the sizes its IDX header claims
 * before the whole file is inflated, so a corrupt header cannot make us
 * allocate more memory than the real contents take.
 */
function gunzipIdx(
  compressed: Uint8Array,
  file: string,
  expectedRank: number,
): Uint8Array {
  if (compressed.length < GZIP_MIN_BYTES) {
    throw new DataFileError(
      file,
      `gzip data is truncated or corrupt: the file is ${compressed.length} bytes ` +
        `long, shorter than a gzip header and trailer. Download the file again.`,
    );
  }
  // The probe leaves out the 8-byte trailer so that zlib does not check
  // the stream's length and CRC yet.
  const probeLength = Math.min(GZIP_HEADER_PROBE_BYTES, compressed.length - 8);
  let head: Uint8Array;
  try {
    head = gunzipSync(compressed.subarray(0, Math.max(probeLength, 0)), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
  } catch (error) {
    throw gzipError(file, error);
  }
  const header = readHeader(head, file, expectedRank);
  checkClaimedLength(header, file);

  // The gzip trailer's last 4 bytes store the uncompressed length mod 2³².
  // NOTE: a file of several concatenated gzip members fails this check,
  // since the trailer covers only the last member; gzip(1) writes one.
  const trailer = new DataView(
    compressed.buffer,
    compressed.byteOffset + compressed.length - 4,
    4,
  ).getUint32(0, true);
  if (trailer !== header.claimedLength % 2 ** 32) {
    throw new DataFileError(
      file,
      `gzip trailer records ${trailer} uncompressed bytes but the IDX ` +
        `header claims dimensions ${describeDims(header.dims)}, ` +
        `${header.claimedLength} bytes in all: the file is truncated or ` +
        `corrupt. Download the file again.`,
    );
  }

  try {
    // Inflating stops with ERR_BUFFER_TOO_LARGE one byte past the claim.
    return gunzipSync(compressed, {
      maxOutputLength: Math.max(header.claimedLength, 1),
    });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new DataFileError(
        file,
        `file decompresses to more than the ${header.claimedLength} bytes ` +
          `its header claims (${describeDims(header.dims)}). ` +
          `Download the file again.`,
      );
    }
    throw gzipError(file, error);
  }
}

/**
 * Reads an IDX file of unsigned bytes, gzipped or not (a gzip file is
 * recognised by its magic bytes 1f 8b, whatever its name).
 *
 * @throws DataFileError if the file is truncated, corrupt or not an IDX
 *   file of `expectedRank` dimensions.
 */
export function readIdxFile(path: string, expectedRank: number): IdxArray {
  const bytes = new Uint8Array(readFileSync(path));
  const raw = isGzip(bytes) ? gunzipIdx(bytes, path, expectedRank) : bytes;
  return parseIdx(raw, path, expectedRank);
}

function findIdxFile(dir: string, name: string): string {
  for (const candidate of [`${name}.gz`, name]) {
    const path = join(dir, candidate);
    if (!existsSync(path)) continue;
    if (!statSync(path).isFile()) {
      throw new DataFileError(
        path,
        `is a folder, not a file. Put the IDX file itself here, gzipped or not.`,
      );
    }
    return path;
  }
  throw new DataFileError(
    join(dir, name),
    `file not found, with or without .gz. A data folder needs the four ` +
      `MNIST-format files ${Object.values(IDX_FILE_NAMES).join(", ")} ` +
      `(each may end in .gz).`,
  );
}

function readImageSet(
  dir: string,
  imagesName: string,
  labelsName: string,
): ImageSet {
  const imagesPath = findIdxFile(dir, imagesName);
  const labelsPath = findIdxFile(dir, labelsName);
  const images = readIdxFile(imagesPath, 3);
  const labels = readIdxFile(labelsPath, 1);
  const [count, rows, cols] = images.dims;

  if (count === 0 || rows === 0 || cols === 0) {
    throw new DataFileError(
      imagesPath,
      `file holds no pixels (dimensions ${describeDims(images.dims)}). ` +
        `Use a file with at least one image.`,
    );
  }
  if (labels.dims[0] !== count) {
    throw new DataFileError(
      labelsPath,
      `file holds ${labels.dims[0]} labels but ${imagesPath} holds ` +
        `${count} images; each image needs one label. Check that the two ` +
        `files come from the same dataset and split.`,
    );
  }
  const badIndex = labels.data.findIndex((label) => label >= NUM_CLASSES);
  if (badIndex >= 0) {
    throw new DataFileError(
      labelsPath,
      `label ${labels.data[badIndex]} at index ${badIndex} is out of ` +
        `range: labels must be 0 to ${NUM_CLASSES - 1}. Check that the ` +
        `file is a 10-class MNIST-format label file.`,
    );
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/**
 * Loads the training and test splits of an MNIST-format dataset such as
 * Fashion-MNIST from a folder holding its four IDX files, each gzipped
 * (`train-images-idx3-ubyte.gz`) or not (`train-images-idx3-ubyte`).
 *
 * @param dir The folder; defaults to the subset shipped with this package.
 * @throws DataFileError naming the file at fault if a file is missing or
 *   invalid, image and label counts differ, a label is not 0-9, or the two
 *   splits have different image sizes.
 */
export function loadFashionMnist(dir: string = SHIPPED_DATA_DIR): MnistDataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const problem = existsSync(dir)
      ? "a file, not a data folder"
      : "data folder not found";
    throw new DataFileError(
      dir,
      `${problem}. Give a folder holding the four ` +
        `MNIST-format files ${Object.values(IDX_FILE_NAMES).join(", ")}.`,
    );
  }
  const names = IDX_FILE_NAMES;
  const train = readImageSet(dir, names.trainImages, names.trainLabels);
  const test = readImageSet(dir, names.testImages, names.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataFileError(
      join(dir, names.testImages),
      `test images are ${test.rows} × ${test.cols} pixels but training ` +
        `images are ${train.rows} × ${train.cols}. Both splits must come ` +
        `from the same dataset.`,
    );
  }
  return { train, test };
}
