/**
 * Revoked certificates in the store under ["revoked_certificates", serial], each until its notAfter:
 * written by {@link AgentStore} in the same atomic operation that takes a certificate off an
 * agent's live list (revocation, re-enrollment, the live-list cap), read for the connectors.
 * @module
 */
import type { Mutation, Store, StoreKey } from "../store/store.ts";
import type { AgentRecord, IssuedCertificate, RevokedCertificateRecord } from "./types.ts";

/** Store prefix of revoked certificates. */
export const REVOKED_PREFIX: StoreKey = ["revoked_certificates"];

/** How long the store keeps an entry after its certificate's notAfter (it is ignored from notAfter on). */
const EXPIRY_MARGIN_MS = 60_000;

/** The store key of a revoked certificate. */
export function revokedKey(serial: string): StoreKey {
  return [...REVOKED_PREFIX, serial];
}

/** The revoked records for `certs` of `agent` that are still valid at `now` (expired ones need none). */
export function revocationsOf(
  agent: AgentRecord,
  certs: readonly IssuedCertificate[],
  cause: RevokedCertificateRecord["cause"],
  now: number,
): RevokedCertificateRecord[] {
  return certs.filter((c) => c.notAfter > now).map((c) => ({
    serial: c.serial,
    notAfter: c.notAfter,
    role: agent.role,
    id: agent.id,
    spiffeId: agent.spiffeId,
    revokedAt: now,
    cause,
  }));
}

/** The sets of `revoked` for one commit; the store drops each entry after its notAfter. */
export function revokedMutations(revoked: readonly RevokedCertificateRecord[], now: number): Mutation[] {
  return revoked.map((r) => ({
    type: "set",
    key: revokedKey(r.serial),
    value: r,
    expireInMs: Math.max(1, r.notAfter - now) + EXPIRY_MARGIN_MS,
  }));
}

/** Reads the revoked certificates. */
export class RevokedCertificateStore {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Every revoked certificate still valid now, of every role. */
  async list(): Promise<RevokedCertificateRecord[]> {
    const now = this.#now();
    const out: RevokedCertificateRecord[] = [];
    for await (const e of this.#store.list<RevokedCertificateRecord>(REVOKED_PREFIX)) {
      if (e.value.notAfter > now) out.push(e.value);
    }
    return out;
  }

  /** Whether a serial is revoked (and its certificate still valid). */
  async has(serial: string): Promise<boolean> {
    const r = (await this.#store.get<RevokedCertificateRecord>(revokedKey(serial))).value;
    return r !== null && r.notAfter > this.#now();
  }
}
