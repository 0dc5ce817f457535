/**
 * The caller's certificate, also when TLS did not mark it authorized.
 *
 * grpc-js's getAuthContext() hides the client certificate unless node:tls marked the socket
 * `authorized`; an expired certificate (the RENEW_GRACE path) is then invisible. The services
 * verify every certificate themselves with verifySvid (chain to the bundle, SPIFFE ID, expiry),
 * and the TLS handshake has already proved possession of the key, so reading the raw
 * certificate from the socket is safe.
 * @module
 */
import { presentedCertificateDer } from "../../shared/grpc/peer.ts";
import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";

/**
 * DER of the certificate the caller presented, or undefined when it sent none.
 *
 * @throws {Error} when grpc-js no longer exposes the call's TLS socket (see shared/grpc/peer.ts)
 */
export function callerCertificateDer(
  call: Pick<ServerSurfaceCall, "getAuthContext">,
): Uint8Array | undefined {
  return presentedCertificateDer(call);
}
