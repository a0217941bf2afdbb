/**
 * Series colours: Tableau 10 first, then ten darker or lighter colours that
 * stay distinct from it. Beyond 20 runs the colours repeat.
 */
export const SERIES_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
  "#1f3a93",
  "#8c2d04",
  "#006d2c",
  "#6a3d9a",
  "#b15928",
  "#01665e",
  "#c51b7d",
  "#525252",
  "#7f7f00",
  "#08306b",
] as const;

/** Maps each label to its colour by position, so every chart agrees. */
export function assignColors(labels: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  labels.forEach((label, index) => {
    colors.set(label, SERIES_COLORS[index % SERIES_COLORS.length]);
  });
  return colors;
}
