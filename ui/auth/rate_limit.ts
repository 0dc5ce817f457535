/**
 * The login limit: per client address, a few free attempts, then each further attempt waits a
 * delay that doubles per attempt up to a cap. It slows a guesser down instead of locking the
 * account, so one address's failures never delay another address, and the right password from an
 * address that is not guessing always works.
 *
 * admit() checks and counts in one synchronous step, before the password is evaluated: parallel
 * attempts cannot all pass the check before the first one is counted.
 * @module
 */

/** Options of LoginRateLimiter; every field has a default. */
export interface LoginRateLimitOptions {
  /** Attempts an address may make before it is slowed down (default 5). */
  free?: number;
  /** Delay after the last free attempt; it doubles with each further attempt (default 2 s). */
  baseDelayMs?: number;
  /** Longest delay (default 5 minutes). */
  maxDelayMs?: number;
  /** An address that made no attempt for this long starts afresh (default 15 minutes). */
  forgetAfterMs?: number;
  /** Addresses remembered at most; the least recently seen is forgotten first (default 10,000). */
  maxClients?: number;
  /** Clock (tests inject one). */
  now?: () => number;
}

/** The answer of admit(): evaluate the password, or refuse for `retryAfterSeconds`. */
export type Admission =
  | { admitted: true }
  | {
    admitted: false;
    /** Seconds until this address may try again (at least 1). */
    retryAfterSeconds: number;
    /** True for the first refusal of this delay (log it once, not once per attempt). */
    first: boolean;
  };

interface ClientState {
  /** Attempts counted since the last success or since the address was forgotten. */
  attempts: number;
  /** No attempt is evaluated before this time. */
  blockedUntil: number;
  lastSeen: number;
  /** Refusals since blockedUntil was last set. */
  refused: number;
}

/** Per-address login limit (see the module doc). */
export class LoginRateLimiter {
  #clients = new Map<string, ClientState>();
  #free: number;
  #baseDelayMs: number;
  #maxDelayMs: number;
  #forgetAfterMs: number;
  #maxClients: number;
  #now: () => number;

  /** See LoginRateLimitOptions for the defaults. */
  constructor(options: LoginRateLimitOptions = {}) {
    this.#free = options.free ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 2_000;
    this.#maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.#forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Decides whether `key` may have a password evaluated now and, if so, counts the attempt
   * (a success later forgets it with succeeded()). Synchronous by design: no await may come
   * between the check and the count.
   */
  admit(key: string): Admission {
    const now = this.#now();
    let state = this.#clients.get(key);
    if (state && now >= state.blockedUntil && now - state.lastSeen > this.#forgetAfterMs) state = undefined;
    if (state && now < state.blockedUntil) {
      state.refused++;
      return {
        admitted: false,
        retryAfterSeconds: Math.max(1, Math.ceil((state.blockedUntil - now) / 1000)),
        first: state.refused === 1,
      };
    }
    state ??= { attempts: 0, blockedUntil: 0, lastSeen: now, refused: 0 };
    state.attempts++;
    state.lastSeen = now;
    if (state.attempts >= this.#free) {
      const doublings = Math.min(state.attempts - this.#free, 30);
      state.blockedUntil = now + Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** doublings);
      state.refused = 0;
    }
    // Re-insert so that Map order is least recently seen first.
    this.#clients.delete(key);
    this.#clients.set(key, state);
    this.#bound(now);
    return { admitted: true };
  }

  /** Forgets `key`'s attempts after the right password. */
  succeeded(key: string): void {
    this.#clients.delete(key);
  }

  /** How many addresses are remembered (tests). */
  get size(): number {
    return this.#clients.size;
  }

  #bound(now: number): void {
    if (this.#clients.size <= this.#maxClients) return;
    for (const [key, state] of this.#clients) {
      if (this.#clients.size <= this.#maxClients) return;
      if (now >= state.blockedUntil && now - state.lastSeen > this.#forgetAfterMs) this.#clients.delete(key);
    }
    // Still full: forget the least recently seen (an address being slowed down loses its delay
    // only when maxClients other addresses arrived after it).
    for (const key of this.#clients.keys()) {
      if (this.#clients.size <= this.#maxClients) return;
      this.#clients.delete(key);
    }
  }
}
