/**
 * Revoked certificates in KV under ["revoked_certificates", serial], each until its notAfter:
 * written by {@link AgentStore} in the same atomic operation that takes a certificate off an
 * agent's live list (revocation, re-enrollment, the live-list cap), read for the connectors.
 * @module
 */
import type { AgentRecord, IssuedCertificate, RevokedCertificateRecord } from "./types.ts";

/** KV prefix of revoked certificates. */
export const REVOKED_PREFIX: Deno.KvKey = ["revoked_certificates"];

/** How long KV keeps an entry after its certificate's notAfter (it is ignored from notAfter on). */
const EXPIRY_MARGIN_MS = 60_000;

/** The KV key of a revoked certificate. */
export function revokedKey(serial: string): Deno.KvKey {
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

/** Adds the sets of `revoked` to an atomic operation; KV drops each entry after its notAfter. */
export function setRevoked(
  op: Deno.AtomicOperation,
  revoked: readonly RevokedCertificateRecord[],
  now: number,
): Deno.AtomicOperation {
  for (const r of revoked) {
    op = op.set(revokedKey(r.serial), r, { expireIn: Math.max(1, r.notAfter - now) + EXPIRY_MARGIN_MS });
  }
  return op;
}

/** Reads the revoked certificates. */
export class RevokedCertificateStore {
  readonly #kv: Deno.Kv;
  readonly #now: () => number;

  constructor(kv: Deno.Kv, now: () => number = Date.now) {
    this.#kv = kv;
    this.#now = now;
  }

  /** Every revoked certificate still valid now, of every role. */
  async list(): Promise<RevokedCertificateRecord[]> {
    const now = this.#now();
    const out: RevokedCertificateRecord[] = [];
    for await (const e of this.#kv.list<RevokedCertificateRecord>({ prefix: REVOKED_PREFIX })) {
      if (e.value.notAfter > now) out.push(e.value);
    }
    return out;
  }

  /** Whether a serial is revoked (and its certificate still valid). */
  async has(serial: string): Promise<boolean> {
    const r = (await this.#kv.get<RevokedCertificateRecord>(revokedKey(serial))).value;
    return r !== null && r.notAfter > this.#now();
  }
}
