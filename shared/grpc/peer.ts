import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";

/** The DER bytes of the certificate the caller presented, or undefined when it sent none. */
export function peerCertificateDer(call: Pick<ServerSurfaceCall, "getAuthContext">): Uint8Array | undefined {
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  return raw && raw.length > 0 ? new Uint8Array(raw) : undefined;
}
