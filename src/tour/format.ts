import type { Check, Outcome } from "./types.js";

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Formats a count with thousands separators: `1,000`. */
export function formatCount(value: number): string {
  return grouped.format(value);
}

/**
 * Formats a measured number with three significant digits, in exponent form
 * below 0.001 and from 10⁶ on, with a true minus sign: `0.0421`, `−3.1e-5`,
 * `12,300`.
 */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "∞" : "−∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  const text =
    magnitude < 1e-3 || magnitude >= 1e6
      ? magnitude.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e")
      : new Intl.NumberFormat("en-US", { maximumSignificantDigits: digits }).format(magnitude);
  return value < 0 ? `−${text}` : text;
}

/** Formats a fraction as a percentage with one decimal, `87.3%`, or two significant digits below 0.1%: `0.011%`. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return formatNumber(fraction);
  if (fraction !== 0 && Math.abs(fraction) < 0.001) return `${formatNumber(100 * fraction, 2)}%`;
  return `${(100 * fraction).toFixed(1)}%`;
}

/** Formats a ratio of at least 1 as a factor: `40-fold`, `2.5-fold`. */
export function formatFold(ratio: number): string {
  if (!Number.isFinite(ratio)) return "infinitely";
  const shown = ratio >= 10 ? formatCount(Math.round(ratio)) : formatNumber(ratio, 2);
  return `${shown}-fold`;
}

/** Returns how a claim fared, given the checks of its parts. */
export function outcomeOf(checks: readonly Check[]): Outcome {
  const held = checks.filter((check) => check.holds).length;
  if (held === checks.length) return "holds";
  return held === 0 ? "does not hold" : "holds in part";
}

/** Joins the checks' sentences into the scene's one-line verdict. */
export function verdictOf(checks: readonly Check[]): string {
  return checks.map((check) => check.text.replace(/\.$/, "")).join("; ") + ".";
}
