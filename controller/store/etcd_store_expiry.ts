/**
 * `expireInMs` on etcd without a lease per key: keys that expire at about the same time share one
 * lease, granted for the end of its time bucket and never kept alive, so that a thousand
 * revocations written in a minute cost a handful of leases. A key lives at least `expireInMs` and
 * at most one bucket longer.
 * @module
 */

/** The width of the bucket of an expiry: about a tenth of it, from 1 s to 1 h. */
export function bucketWidthMs(expireInMs: number): number {
  return Math.min(3_600_000, Math.max(1_000, Math.ceil(expireInMs / 10 / 1_000) * 1_000));
}

/** The end of the bucket of a key written at `now` that expires after `expireInMs`. */
export function bucketEnd(now: number, expireInMs: number): number {
  const width = bucketWidthMs(expireInMs);
  return Math.ceil((now + expireInMs) / width) * width;
}

/** Grants a lease of `ttlSeconds` and answers its id. */
export type GrantLease = (ttlSeconds: number) => Promise<string>;

/** The shared expiry leases of one store instance. */
export class ExpiryLeases {
  readonly #leases = new Map<number, Promise<string>>();

  constructor(private readonly grant: GrantLease, private readonly now: () => number = Date.now) {}

  /** The id of the lease that ends the bucket of `expireInMs` from now (granted on first use). */
  leaseFor(expireInMs: number): Promise<string> {
    const now = this.now();
    this.#forgetPast(now);
    const end = bucketEnd(now, expireInMs);
    let lease = this.#leases.get(end);
    if (!lease) {
      // At least a second longer than the bucket end, so a lease fetched near the end still lives.
      lease = this.grant(Math.ceil((end - now) / 1_000) + 1);
      lease.catch(() => this.#leases.delete(end));
      this.#leases.set(end, lease);
    }
    return lease;
  }

  /** Forgets the lease of a bucket (etcd said the lease is gone), so the next write grants another. */
  forget(id: string): void {
    for (const [end, lease] of this.#leases) {
      lease.then((got) => got === id && this.#leases.delete(end), () => {});
    }
  }

  /** How many bucket leases are held (for tests). */
  get size(): number {
    return this.#leases.size;
  }

  #forgetPast(now: number): void {
    // A bucket that ends within 2 s is not handed out again: the lease could end before the write.
    for (const end of this.#leases.keys()) if (end - now < 2_000) this.#leases.delete(end);
  }
}
