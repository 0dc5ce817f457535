/**
 * The certificate a gRPC caller presented, read from the server side of a call.
 *
 * grpc-js's `getAuthContext()` shows the client certificate only when node:tls marked the socket
 * `authorized`. With `rejectUnauthorized: false` (Enroll must admit callers without a
 * certificate) a certificate that does not verify is still presented and kept by the TLS
 * socket, but `getAuthContext()` hides it: one that expired (the RENEW_GRACE path) or one from a
 * CA outside the bundle. {@link presentedCertificateDer} reads it from the socket itself, so the
 * service can verify it and say exactly why it refuses it.
 * @module
 */
import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";

import { callSocket, type PeerSocket, socketBelow } from "../repairs/grpc_call_socket.ts";

type AuthCall = Pick<ServerSurfaceCall, "getAuthContext">;

/**
 * DER of the certificate the caller presented if TLS verified it against the bundle (expiry
 * included), or undefined.
 */
export function peerCertificateDer(call: AuthCall): Uint8Array | undefined {
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  return raw && raw.length > 0 ? new Uint8Array(raw) : undefined;
}

/**
 * DER of the certificate the caller presented, whether or not TLS verified it, or undefined
 * when it sent none. The TLS handshake proved possession of the key; the caller of this
 * function must verify the certificate itself (chain, SPIFFE ID, expiry) before trusting it.
 *
 * @throws {Error} when the call is not a grpc-js server call whose socket can be found, so that
 *   a grpc-js upgrade that moves the socket fails loudly instead of hiding every certificate
 */
export function presentedCertificateDer(call: AuthCall): Uint8Array | undefined {
  const verified = peerCertificateDer(call);
  if (verified) return verified;
  return presentedOn(callSocket(call));
}

/**
 * DER of the certificate presented on the connection of an intercepted call (inside a grpc-js
 * ServerInterceptor, where `call` is the next intercepting call), or undefined when none was
 * sent. Unverified: see presentedCertificateDer().
 *
 * @throws {Error} when the socket cannot be found (a grpc-js layout change)
 */
export function interceptedCertificateDer(call: object): Uint8Array | undefined {
  return presentedOn(socketBelow(call));
}

/** DER of the certificate presented on `socket`; throws when the socket was not found. */
function presentedOn(socket: PeerSocket | undefined): Uint8Array | undefined {
  if (!socket) {
    throw new Error(
      "cannot read the client certificate: the grpc-js server call layout changed (see shared/repairs/grpc_call_socket.ts)",
    );
  }
  const raw = socket.getPeerCertificate()?.raw;
  return raw && raw.length > 0 ? new Uint8Array(raw) : undefined;
}
