/**
 * A number in JSON-safe form. JSON has no literal for NaN or ±Infinity, so
 * those are written as strings (ReduceLROnPlateau's `best` starts at ±Infinity).
 */
export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

/** Returns `value` itself when finite, else its string form. */
export function encodeNumber(value: number): JsonNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

/** Decodes what {@link encodeNumber} wrote; returns `undefined` for anything else. */
export function decodeNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  return undefined;
}
