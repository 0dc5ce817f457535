/**
 * A hostile connector for security scenarios: a real node:tls server on loopback holding a real
 * certificate (e.g. an enrolled connector's identity), speaking the tunnel protocol just far
 * enough: it accepts every TunnelHello, answers heartbeat sessions with the HeartbeatAck the test
 * chooses, and records every byte that arrives after the hello of an OpenTunnel.
 */
import tls from "node:tls";
import type { Buffer } from "node:buffer";
import { encodeFrame, FrameDecoder } from "../../shared/dataplane/framing.ts";
import {
  type HeartbeatAck,
  HeartbeatAck as Ack,
  TunnelHello,
  TunnelReply,
} from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { TunnelerHeartbeat } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";

/** What the fake connector saw. */
export interface FakeConnector extends AsyncDisposable {
  port: number;
  /** Every TunnelerHeartbeat that arrived, in order. */
  heartbeats: TunnelerHeartbeat[];
  /** Bytes that arrived on TLS connections after the handshake, by the certificate served then. */
  bytesAfterHandshake: Map<string, number>;
  /** Serves `certPem`/`keyPem` to new handshakes from now on and drops open connections. */
  switchCertificate(certPem: string, keyPem: string): void;
  /** Resolves once every connection accepted so far has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the fake connector with `certPem`/`keyPem`; every heartbeat is answered with `ack`. */
export async function startFakeConnector(
  certPem: string,
  keyPem: string,
  ack: HeartbeatAck,
): Promise<FakeConnector> {
  const heartbeats: TunnelerHeartbeat[] = [];
  const bytesAfterHandshake = new Map<string, number>();
  const open = new Map<tls.TLSSocket, Promise<void>>();
  let serving = certPem;
  const server = tls.createServer({
    cert: certPem,
    key: keyPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    const cert = serving;
    open.set(socket, new Promise((r) => socket.once("close", () => r())));
    socket.on("error", () => {});
    const decoder = new FrameDecoder();
    let hello: TunnelHello | undefined;
    socket.on("data", (chunk: Buffer) => {
      bytesAfterHandshake.set(cert, (bytesAfterHandshake.get(cert) ?? 0) + chunk.length);
      if (hello?.kind?.$case === "open") return;
      for (const f of decoder.feed(chunk)) {
        if (!hello) {
          hello = TunnelHello.decode(f);
          socket.write(encodeFrame(TunnelReply.encode({ ok: true, error: "" }).finish()));
          if (hello.kind?.$case === "heartbeat") socket.write(encodeFrame(Ack.encode(ack).finish()));
          continue;
        }
        heartbeats.push(TunnelerHeartbeat.decode(f));
        socket.write(encodeFrame(Ack.encode(ack).finish()));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const close = async () => {
    for (const s of open.keys()) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    port: (server.address() as { port: number }).port,
    heartbeats,
    bytesAfterHandshake,
    switchCertificate(cert, key) {
      serving = cert;
      server.setSecureContext({ cert, key });
      for (const s of open.keys()) s.destroy();
    },
    allClosed: async () => void await Promise.all(open.values()),
    close,
    [Symbol.asyncDispose]: close,
  };
}
