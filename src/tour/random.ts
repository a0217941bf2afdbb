import { Random } from "../train/random.js";

/**
 * A seeded source of the random numbers the scenes draw: uniform, Gaussian
 * and Bernoulli, on top of the training code's 32-bit generator.
 */
export class SceneRandom extends Random {
  private spare: number | undefined;

  /** Returns a number drawn uniformly from [0, 1). */
  uniform(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** Returns a standard normal number (Box–Muller, using both outputs). */
  normal(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    const u = 1 - this.uniform();
    const angle = 2 * Math.PI * this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Returns true with probability `p`. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }
}
