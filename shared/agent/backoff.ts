/**
 * Exponential backoff with full jitter (AWS architecture blog), capped.
 * @module
 */

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First ceiling in ms; default 500. */
  baseMs?: number;
  /** Largest delay in ms; default 30 000. */
  capMs?: number;
  /** Random source in [0, 1); default Math.random. */
  random?: () => number;
}

/** Delays for successive failures: uniform in [0, min(cap, base * 2^attempt)). */
export class Backoff {
  #attempt = 0;
  readonly #base: number;
  readonly #cap: number;
  readonly #random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.#base = opts.baseMs ?? 500;
    this.#cap = opts.capMs ?? 30_000;
    this.#random = opts.random ?? Math.random;
  }

  /** The next delay in ms; each call doubles the ceiling until the cap. */
  next(): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** Back to the first delay (a message was received). */
  reset(): void {
    this.#attempt = 0;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }
}
