/**
 * The IP address of a gRPC caller, from grpc-js's `getPeer()` (`127.0.0.1:5000`, `::1:5000`).
 * @module
 */

/** The caller's IP address without the port, or undefined when grpc-js does not know it. */
export function callerAddress(call: { getPeer(): string }): string | undefined {
  let peer: string;
  try {
    peer = call.getPeer();
  } catch {
    return undefined;
  }
  const m = /^\[?(.*?)\]?:\d+$/.exec(peer);
  const ip = m ? m[1]! : peer;
  return ip === "" || ip === "unknown" ? undefined : ip;
}
