/**
 * Verifies the peer of a node:tls socket ourselves (node:tls in Deno cannot check client
 * certificates against our bundle, nor an IP without a servername): chain, trust domain,
 * role, and for the tunneler the dialed IP as an IP SAN (failure modes 2.1, 2.2, 2.3).
 * @module
 */
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { PeerVerificationError, type VerifiedPeer, verifySvid } from "../pki/verify.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import type { Role } from "../pki/spiffe_id.ts";

/** What the peer must be. */
export interface PeerExpectation {
  trustDomain: string;
  role: Role;
  /** The IP that was dialed, when we dialed one. */
  dialedIp?: string;
}

/**
 * Checks the peer certificate of an established TLS socket.
 *
 * @throws {PeerVerificationError} with the contract's message
 */
export async function verifyTlsPeer(
  socket: TLSSocket,
  bundle: TrustBundle,
  expect: PeerExpectation,
): Promise<VerifiedPeer> {
  const cert = socket.getPeerCertificate(true);
  const raw = cert?.raw;
  if (!raw || raw.length === 0) {
    throw new PeerVerificationError(
      "x509: certificate signed by unknown authority (peer sent no certificate)",
    );
  }
  const chain: Uint8Array[] = [new Uint8Array(raw)];
  // Intermediates, if the peer sent any (Node links them through issuerCertificate).
  let next = cert.issuerCertificate;
  while (next?.raw && next !== next.issuerCertificate && chain.length < 4) {
    chain.push(new Uint8Array(next.raw));
    next = next.issuerCertificate;
  }
  return await verifySvid(chain.length > 1 ? chain : chain[0]!, bundle, {
    trustDomain: expect.trustDomain,
    roles: [expect.role],
    ...(expect.dialedIp ? { dialedIp: expect.dialedIp } : {}),
  });
}

/**
 * Verified peers by certificate chain, per trust bundle (a new bundle starts empty), for at most
 * a minute and never past the leaf's notAfter: each new tunnel to the same peer skips the WebCrypto
 * chain check (connection rate). Only successes are kept; a refusal is always checked in full, so
 * its message is unchanged.
 */
const verifiedPeers = new WeakMap<TrustBundle, Map<string, { peer: VerifiedPeer; until: number }>>();
const PEER_CACHE_MS = 60_000;

/**
 * verifyTlsPeer() with the cache above: `useCache` false checks in full and refreshes the entry
 * (the tunneler's heartbeat session does, so a peer is re-verified at least once a session).
 *
 * @throws {PeerVerificationError} with the contract's message
 */
export async function verifyTlsPeerCached(
  socket: TLSSocket,
  bundle: TrustBundle,
  expect: PeerExpectation,
  useCache = true,
): Promise<VerifiedPeer> {
  const cert = socket.getPeerCertificate(true);
  let key = `${expect.trustDomain}|${expect.role}|${expect.dialedIp ?? ""}`;
  // The chain as verifyTlsPeer reads it: the leaf, then up to three issuers.
  let c: DetailedPeerCertificate | undefined = cert;
  for (let n = 0; c?.raw && n < 4; n++) {
    key += "|" + c.raw.toString("base64");
    c = c.issuerCertificate === c ? undefined : c.issuerCertificate;
  }
  let byKey = verifiedPeers.get(bundle);
  if (!byKey) verifiedPeers.set(bundle, byKey = new Map());
  const now = Date.now();
  const hit = byKey.get(key);
  if (useCache && hit && hit.until > now) return hit.peer;
  const peer = await verifyTlsPeer(socket, bundle, expect);
  if (byKey.size >= 1024) byKey.clear();
  byKey.set(key, { peer, until: Math.min(now + PEER_CACHE_MS, peer.notAfter.getTime()) });
  return peer;
}
