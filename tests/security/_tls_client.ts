/**
 * Test helper: a raw TLS client for the connector's listener that sends one TunnelHello (open)
 * and reports what came back, so a scenario can tell "refused in the handshake" (a TLS alert or
 * a reset, no byte received) from "refused after it" (a TunnelReply or a bare close).
 */
import tls from "node:tls";
import { encodeFrame } from "../../shared/dataplane/framing.ts";
import { TunnelHello } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";

/** What the client saw. */
export interface ClientOutcome {
  /** Bytes received from the connector (a TunnelReply would be here). */
  received: number;
  /** The error the TLS client got, if any (e.g. the handshake alert). */
  error?: string;
}

/** Dials 127.0.0.1:`port` presenting `cert`/`key` (PEM; none when omitted) and asks to open `destination`. */
export function tryTunnel(
  port: number,
  client: { cert?: string; key?: string },
  destination = "127.0.0.1:1",
): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    let received = 0;
    let error: string | undefined;
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...client });
    const timer = setTimeout(() => socket.destroy(new Error("no outcome within 10 s")), 10_000);
    socket.on("secureConnect", () => {
      socket.write(
        encodeFrame(TunnelHello.encode({ kind: { $case: "open", value: { destination } } }).finish()),
      );
    });
    socket.on("data", (chunk: Uint8Array) => received += chunk.length);
    socket.on("error", (e: Error) => error ??= e.message);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(error === undefined ? { received } : { received, error });
    });
  });
}

/** A connector log line of the post-handshake admission refusing a peer (not the handshake's). */
export const AFTER_HANDSHAKE = /WARN\s+refused peer (?!in the TLS handshake)/;
