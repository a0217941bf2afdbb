import type { FloatArray } from "./parameter.js";
import { describeValue } from "./validation.js";

/** A float array in JSON-safe form: element type, length and little-endian bytes in base64. */
export interface EncodedArray {
  dtype: "float32" | "float64";
  length: number;
  base64: string;
}

const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a float array bit-exactly (NaN payloads and signed zeros included).
 * Base64 keeps core free of Node's Buffer and of the DOM's btoa.
 */
export function encodeArray(array: FloatArray): EncodedArray {
  const bytes = toLittleEndianBytes(array);
  let text = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const triple = (b0 << 16) | (b1 << 8) | b2;
    text += ALPHABET[(triple >> 18) & 63] + ALPHABET[(triple >> 12) & 63];
    text += i + 1 < bytes.length ? ALPHABET[(triple >> 6) & 63] : "=";
    text += i + 2 < bytes.length ? ALPHABET[triple & 63] : "=";
  }
  const dtype = array instanceof Float32Array ? "float32" : "float64";
  return { dtype, length: array.length, base64: text };
}

/**
 * Decodes what {@link encodeArray} produced.
 * @param fail Called with a problem and a fix when the input is malformed; it must throw.
 */
export function decodeArray(
  encoded: unknown,
  where: string,
  fail: (problem: string, fix: string) => never,
): FloatArray {
  const { dtype, length, base64 } = (encoded ?? {}) as Partial<EncodedArray>;
  let width = 0;
  if (dtype === "float32") width = 4;
  if (dtype === "float64") width = 8;
  if (width === 0 || !Number.isInteger(length) || typeof base64 !== "string") {
    fail(
      `${where} must be { dtype: "float32" | "float64", length, base64 }, got ${describeValue(encoded)}`,
      "Pass what stateDict() returned",
    );
  }
  const byteLength = (length as number) * width;
  if (base64.length !== Math.ceil(byteLength / 3) * 4) {
    fail(
      `${where} claims ${length} ${dtype} elements but its base64 text has ${base64.length} characters`,
      "The saved state is truncated or altered; save it again",
    );
  }
  const bytes = new Uint8Array(byteLength);
  let out = 0;
  for (let i = 0; i < base64.length; i += 4) {
    let triple = 0;
    for (let k = 0; k < 4; k++) {
      const code = base64.charCodeAt(i + k);
      let sextet = code < 128 ? LOOKUP[code] : -1;
      if (base64[i + k] === "=") sextet = 0;
      if (sextet < 0)
        fail(
          `${where} holds a character that is not base64 at ${i + k}`,
          "Save the state again",
        );
      triple = (triple << 6) | sextet;
    }
    if (out < byteLength) bytes[out++] = (triple >> 16) & 255;
    if (out < byteLength) bytes[out++] = (triple >> 8) & 255;
    if (out < byteLength) bytes[out++] = triple & 255;
  }
  return fromLittleEndianBytes(bytes, dtype as "float32" | "float64");
}

function toLittleEndianBytes(array: FloatArray): Uint8Array {
  const bytes = new Uint8Array(
    array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength),
  );
  if (!LITTLE_ENDIAN) reverseWords(bytes, array.BYTES_PER_ELEMENT);
  return bytes;
}

function fromLittleEndianBytes(
  bytes: Uint8Array,
  dtype: "float32" | "float64",
): FloatArray {
  const width = dtype === "float32" ? 4 : 8;
  if (!LITTLE_ENDIAN) reverseWords(bytes, width);
  return dtype === "float32"
    ? new Float32Array(bytes.buffer)
    : new Float64Array(bytes.buffer);
}

function reverseWords(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width)
    bytes.subarray(i, i + width).reverse();
}

/**
 * Decodes the float64 buffers kept one per parameter, as the gradient
 * accumulator and the weight average save them, checking their count and
 * lengths against `lengths`. With `allowNull`, a `null` entry (a parameter
 * without a buffer yet) stays `null`.
 * @param what Plural name of the buffers in messages, e.g. "sums".
 * @param owner Name of the saving object in messages, e.g. "accumulator".
 * @param fail Called with a problem and a fix; it must throw.
 */
export function decodeFloat64PerParameter(
  list: unknown,
  lengths: readonly number[],
  names: { what: string; owner: string; allowNull: boolean },
  fail: (problem: string, fix: string) => never,
): (Float64Array | null)[] {
  const { what, owner, allowNull } = names;
  if (!Array.isArray(list) || list.length !== lengths.length) {
    fail(
      `the state holds ${describeValue((list as unknown[] | undefined)?.length)} ${what} but this ${owner} has ${lengths.length} parameters`,
      `Load it into an ${owner} built on the same parameters`,
    );
  }
  return (list as unknown[]).map((encoded, p) => {
    if (encoded === null && allowNull) return null;
    const array = decodeArray(encoded, `${what}[${p}]`, fail);
    if (!(array instanceof Float64Array) || array.length !== lengths[p]) {
      fail(
        `${what}[${p}] must be float64 with ${lengths[p]} elements like its parameter, got ${describeValue(array)}`,
        `Load it into an ${owner} built on parameters of the same shapes`,
      );
    }
    return array as Float64Array;
  });
}
