/**
 * The TLS socket under a grpc-js server call. grpc-js shows a client certificate in
 * `getAuthContext()` only when TLS accepted it, and offers no other way to the socket; this walks
 * grpc-js's internal call layout to it (see shared/grpc/peer.ts for why the controller needs it).
 * Canary: shared/grpc/peer_test.ts (with and without interceptors) and the "layout changed" error.
 * @module
 */

/** What is read of the socket: the presented certificate. */
export interface PeerSocket {
  getPeerCertificate(detailed?: boolean): { raw?: Uint8Array } | undefined;
}

/** How many interceptor layers (`nextCall` links) {@link callSocket} follows at most. */
const MAX_CALL_DEPTH = 16;

/**
 * The TLS socket under a server call, or undefined when the layout is not the one known.
 *
 * grpc-js 1.x wraps the http2 stream as ServerUnaryCallImpl / ServerDuplexStreamImpl `.call` →
 * (ServerInterceptingCall `.nextCall` → …, one per server interceptor) →
 * BaseServerInterceptingCall `.stream` → `session.socket`. Without interceptors `.call` is the
 * BaseServerInterceptingCall itself, so the walk must not assume a `nextCall` (it once did, and
 * then found nothing: issue "expired client certificate seen every other connection").
 */
export function callSocket(call: object): PeerSocket | undefined {
  return socketBelow((call as { call?: unknown }).call);
}

/** Walks `nextCall` links down from an intercepting call to the TLS socket (see callSocket). */
export function socketBelow(start: unknown): PeerSocket | undefined {
  let node = start;
  for (let depth = 0; depth < MAX_CALL_DEPTH && node !== null && typeof node === "object"; depth++) {
    const socket = (node as { stream?: { session?: { socket?: unknown } } }).stream?.session?.socket;
    if (socket && typeof (socket as PeerSocket).getPeerCertificate === "function") {
      return socket as PeerSocket;
    }
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}
