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
import { peerCertificateDer } from "../../shared/grpc/peer.ts";
import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";

interface MaybeSocket {
  getPeerCertificate?: () => { raw?: Uint8Array } | undefined;
}

/** DER of the certificate the caller presented, or undefined when it sent none. */
export function callerCertificateDer(
  call: Pick<ServerSurfaceCall, "getAuthContext">,
): Uint8Array | undefined {
  const der = peerCertificateDer(call);
  if (der) return der;
  try {
    // ServerUnaryCallImpl/ServerDuplexStreamImpl.call -> ServerInterceptingCall.nextCall
    // -> BaseServerInterceptingCall.stream (http2 stream) -> session.socket (TLSSocket).
    const inner =
      (call as unknown as { call?: { nextCall?: { stream?: { session?: { socket?: MaybeSocket } } } } })
        .call?.nextCall?.stream?.session?.socket;
    const raw = inner?.getPeerCertificate?.()?.raw;
    return raw && raw.length > 0 ? new Uint8Array(raw) : undefined;
  } catch {
    return undefined;
  }
}
