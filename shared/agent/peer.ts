/**
 * Verifies the peer of a node:tls socket ourselves (node:tls in Deno cannot check client
 * certificates against our bundle, nor an IP without a servername): chain, trust domain,
 * role, and for the tunneler the dialed IP as an IP SAN (failure modes 2.1, 2.2, 2.3).
 * @module
 */
import type { TLSSocket } from "node:tls";
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
