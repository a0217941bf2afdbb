/**
 * A small seeded pseudo-random generator whose whole state is one 32-bit
 * integer, so a checkpoint can store it and a resumed run continues the same
 * sequence.
 *
 * The algorithm is Tommy Ettinger's Mulberry32: period 2³², good enough for
 * shuffling a dataset, not for cryptography.
 */
export class Random {
  /** Current state, an unsigned 32-bit integer. */
  state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new TypeError(
        `Random: seed must be an integer, got ${seed}. Try 0.`,
      );
    }
    this.state = seed >>> 0;
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }

  /** Returns an integer drawn uniformly from 0 to `n - 1`, for n ≤ 2³². */
  nextInt(n: number): number {
    // Rejection sampling removes the modulo bias.
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Shuffles `values` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
    return values;
  }
}

/** Returns the integers 0 to n - 1 in a random order drawn from `random`. */
export function permutation(n: number, random: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return random.shuffle(order);
}
