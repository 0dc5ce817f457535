/**
 * The tunneler certificates this connector refuses, by serial, each until its notAfter: the list
 * the controller pushes over the control stream. It outlives the stream (a reconnect only adds to
 * it) and forgets an entry once its certificate has expired, so its size is bounded by the
 * revocations of one certificate lifetime.
 * @module
 */

/** One revoked certificate as the controller sends it. */
export interface RevokedSerial {
  serial: string;
  notAfterUnixMs: number;
}

/** Canonical form of a serial: lower-case hex without leading zeros (as DER or Node may print it). */
export function canonicalSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, "");
}

/** Revoked serials with their notAfter. */
export class RevokedSerials {
  /** serial -> notAfter (ms). */
  readonly #until = new Map<string, number>();
  /** The earliest notAfter held: nothing to forget before then. */
  #earliest = Infinity;

  /** Number of serials held. */
  get size(): number {
    return this.#until.size;
  }

  /**
   * Adds serials (never removes one: only expiry does). Entries already expired at `now` or
   * malformed are skipped. Returns how many were new.
   */
  add(entries: Iterable<RevokedSerial>, now: number): number {
    let added = 0;
    for (const e of entries) {
      if (!/^[0-9a-fA-F]{1,128}$/.test(e.serial) || !Number.isFinite(e.notAfterUnixMs)) continue;
      if (e.notAfterUnixMs <= now) continue;
      const serial = canonicalSerial(e.serial);
      const cur = this.#until.get(serial);
      if (cur === undefined) added++;
      const until = Math.max(cur ?? 0, e.notAfterUnixMs);
      this.#until.set(serial, until);
      if (cur === undefined) this.#earliest = Math.min(this.#earliest, until);
    }
    this.#sweep(now);
    return added;
  }

  /** Whether a certificate with this serial must be refused at `now`. */
  refuse(serial: string, now: number): boolean {
    this.#sweep(now);
    const until = this.#until.get(canonicalSerial(serial));
    return until !== undefined && until > now;
  }

  /** Forgets expired entries once the earliest has expired (a certificate past notAfter is refused anyway). */
  #sweep(now: number): void {
    if (now < this.#earliest) return;
    this.#earliest = Infinity;
    for (const [serial, until] of this.#until) {
      if (until <= now) this.#until.delete(serial);
      else this.#earliest = Math.min(this.#earliest, until);
    }
  }
}
