/**
 * Exponential backoff with jitter.
 *
 * Jitter (±25 %) keeps many agents that lost the same server from reconnecting
 * in lock step when it comes back.
 *
 * @module
 */

/** Delays that double from `firstMs` up to `maxMs`. */
export class Backoff {
  #first: number;
  #max: number;
  #current: number;
  #random: () => number;

  constructor(firstMs: number, maxMs: number, random: () => number = Math.random) {
    if (!(firstMs > 0) || !(maxMs >= firstMs)) {
      throw new RangeError(`Cannot create backoff: need 0 < first (${firstMs}) <= max (${maxMs})`);
    }
    this.#first = firstMs;
    this.#max = maxMs;
    this.#current = firstMs;
    this.#random = random;
  }

  /** The next delay in milliseconds. */
  next(): number {
    const base = this.#current;
    this.#current = Math.min(this.#max, this.#current * 2);
    const jittered = base * (0.75 + this.#random() * 0.5);
    return Math.round(Math.min(this.#max, jittered));
  }

  /** Starts again from the first delay (after a success). */
  reset(): void {
    this.#current = this.#first;
  }
}
