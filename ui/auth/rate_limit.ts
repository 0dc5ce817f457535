/** Failed-login limiter: at most `max` failures per client within a sliding window. */
export class LoginRateLimiter {
  #failures = new Map<string, number[]>();
  #max: number;
  #windowMs: number;
  #now: () => number;

  /** `max` failures (default 5) per `windowMs` (default 5 minutes) per client key (the IP). */
  constructor(max = 5, windowMs = 5 * 60_000, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.#max) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.#windowMs - this.#now()) / 1000));
  }

  /** Records a failed attempt. */
  fail(key: string): void {
    const recent = this.#recent(key);
    recent.push(this.#now());
    this.#failures.set(key, recent);
  }

  /** Forgets a client's failures after a successful login. */
  reset(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#windowMs;
    const recent = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (recent.length) this.#failures.set(key, recent);
    else this.#failures.delete(key);
    return recent;
  }
}
