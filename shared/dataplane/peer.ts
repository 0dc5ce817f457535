/**
 * Verifies the peer of a node:tls socket: the one peer-identity pipeline of the data path.
 * verify (the leaf chains directly to the bundle, validity, SPIFFE ID, trust domain, SVID
 * profile) → authorize (a composable {@link Authorizer}: a role, one exact ID, an allowlist) →
 * the dialled IP as an IP SAN (failure modes 2.1, 2.2, 2.3, 3.3). Every refusal is a typed
 * {@link PeerVerificationError} (`reason`, `failureMode`). node:tls in Deno cannot check an IP
 * without a servername, and the connector's handshake only proves the chain, so the rest is
 * checked here.
 * @module
 */
import { Buffer } from "node:buffer";
import type { TLSSocket } from "node:tls";
import { checkDialedIp, type VerifiedPeer, verifySvid } from "../pki/verify.ts";
import type { Authorizer } from "../pki/authorize.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import { PeerVerificationError } from "../pki/refusal.ts";

/** What the peer must be. */
export interface PeerExpectation {
  trustDomain: string;
  /** Who may pass (e.g. `authorizeRole("tunneler")`, `authorizeId(<connector's SPIFFE ID>)`). */
  authorize: Authorizer;
  /** The IP that was dialed, when we dialed one. */
  dialedIp?: string;
}

/** The DER of the leaf the peer presented (intermediates are never accepted, so never read). */
function presentedLeaf(socket: TLSSocket): Uint8Array {
  const raw = socket.getPeerCertificate()?.raw;
  if (!raw || raw.length === 0) {
    throw new PeerVerificationError(
      "no_certificate",
      "x509: certificate signed by unknown authority (peer sent no certificate)",
    );
  }
  return new Uint8Array(raw);
}

/** authorize, then the dialled IP: cheap, synchronous, applied on every connection. */
function admit(peer: VerifiedPeer, expect: PeerExpectation): VerifiedPeer {
  expect.authorize(peer.spiffeId);
  if (expect.dialedIp !== undefined) checkDialedIp(peer.ipSans, expect.dialedIp);
  return peer;
}

/**
 * Checks the peer certificate of an established TLS socket.
 *
 * @throws {PeerVerificationError} with its reason and the contract's message
 */
export async function verifyTlsPeer(
  socket: TLSSocket,
  bundle: TrustBundle,
  expect: PeerExpectation,
): Promise<VerifiedPeer> {
  return admit(await verifySvid(presentedLeaf(socket), bundle, { trustDomain: expect.trustDomain }), expect);
}

/**
 * Verified leaves (the WebCrypto part: chain, validity, SPIFFE ID), per trust bundle (a new bundle
 * starts empty), for at most a minute and never past the leaf's notAfter: each new tunnel to the
 * same peer skips the chain check (connection rate). Authorization and the IP are checked on every
 * connection, so an allowlist change applies at once. Only successes are kept; a refusal is
 * always checked in full.
 */
const verifiedPeers = new WeakMap<TrustBundle, Map<string, { peer: VerifiedPeer; until: number }>>();
const PEER_CACHE_MS = 60_000;

/**
 * verifyTlsPeer() with the cache above: `useCache` false checks in full and refreshes the entry
 * (the tunneler's heartbeat session does, so a peer is re-verified at least once a session).
 *
 * @throws {PeerVerificationError} with its reason and the contract's message
 */
export async function verifyTlsPeerCached(
  socket: TLSSocket,
  bundle: TrustBundle,
  expect: PeerExpectation,
  useCache = true,
): Promise<VerifiedPeer> {
  const leaf = presentedLeaf(socket);
  const key = `${expect.trustDomain}|${Buffer.from(leaf).toString("base64")}`;
  let byKey = verifiedPeers.get(bundle);
  if (!byKey) verifiedPeers.set(bundle, byKey = new Map());
  const now = Date.now();
  const hit = byKey.get(key);
  if (useCache && hit && hit.until > now) return admit(hit.peer, expect);
  const peer = await verifySvid(leaf, bundle, { trustDomain: expect.trustDomain });
  if (byKey.size >= 1024) byKey.clear();
  byKey.set(key, { peer, until: Math.min(now + PEER_CACHE_MS, peer.notAfter.getTime()) });
  return admit(peer, expect);
}
