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
  /**
   * Failures that share one ceiling before it doubles; default 1. With several controllers, one per
   * controller: after one fails, the next is tried within the same (jittered) delay, and the
   * ceiling grows only once every controller of the round has failed.
   */
  perRound?: number;
}

/** Delays for successive failures: uniform in [0, min(cap, base * 2^round)), `round` = ⌊attempt / perRound⌋. */
export class Backoff {
  #attempt = 0;
  readonly #base: number;
  readonly #cap: number;
  readonly #random: () => number;
  readonly #perRound: number;

  constructor(opts: BackoffOptions = {}) {
    this.#perRound = Math.max(1, Math.floor(opts.perRound ?? 1));
    this.#base = opts.baseMs ?? 500;
    this.#cap = opts.capMs ?? 30_000;
    this.#random = opts.random ?? Math.random;
  }

  /** The next delay in ms; each call doubles the ceiling until the cap. */
  next(): number {
    const round = Math.floor(this.#attempt / this.#perRound);
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(round, 30));
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
