/** Outcome of one learning rate in a sweep. */
export interface SweepPoint<R> {
  lr: number;
  /** Mean score over the seeds; lower is better, NaN or Infinity for a diverged run. */
  score: number;
  results: R[];
}

/** Outcome of a learning-rate sweep: every point and the best one. */
export interface Sweep<R> {
  points: SweepPoint<R>[];
  best: SweepPoint<R>;
}

/**
 * Runs `run` for every learning rate of `grid` and every seed, and picks the
 * rate with the lowest mean score. Diverged runs score Infinity, so a rate that
 * diverges on any seed loses to one that never does. Ties go to the smaller rate.
 */
export function sweepLearningRates<R>(
  grid: readonly number[],
  seeds: readonly number[],
  run: (lr: number, seed: number) => R,
  score: (result: R) => number,
): Sweep<R> {
  const points = grid.map((lr) => {
    const results = seeds.map((seed) => run(lr, seed));
    const scores = results.map(score).map((value) => (Number.isNaN(value) ? Infinity : value));
    return { lr, score: scores.reduce((sum, value) => sum + value, 0) / scores.length, results };
  });
  const best = points.reduce((winner, point) => (point.score < winner.score ? point : winner));
  return { points, best };
}

/** Returns the arithmetic mean of `values`. */
export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Returns the median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Returns the seeds a scene averages over: `count` consecutive seeds from `first`. */
export function seedsFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => first + index);
}
