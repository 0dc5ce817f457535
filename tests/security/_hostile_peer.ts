/**
 * A hostile peer holding a real, enrolled identity: it reads the key and certificate an agent
 * process stored in its state directory and speaks raw bytes with them over mutual TLS.
 */
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { channelOptions } from "../../shared/grpc/credentials.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { encodeFrame, readFrame } from "../../shared/dataplane/framing.ts";
import { TunnelHello, TunnelReply } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";

/** The PEMs an agent stored in its state directory. */
export interface StoredIdentity {
  keyPem: string;
  certPem: string;
  bundlePem: string;
}

/** Reads the identity an agent process saved in `stateDir`. */
export async function storedIdentity(stateDir: string): Promise<StoredIdentity> {
  const { svid, bundle } = await new IdentityStore(stateDir).load();
  return { keyPem: svid.keyPem, certPem: svid.certPem, bundlePem: bundle.toPem() };
}

/** Mutual TLS to 127.0.0.1:`port` as `id` (the peer's certificate is not checked: we attack it). */
export function tlsAs(id: StoredIdentity, port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: "127.0.0.1",
      port,
      cert: id.certPem,
      key: id.keyPem,
      rejectUnauthorized: false,
      allowHalfOpen: true,
    } as tls.ConnectionOptions, () => resolve(s));
    s.once("error", reject);
  });
}

/** Opens a heartbeat session on a connector as `id`; resolves once the connector said ok. */
export async function heartbeatSessionAs(id: StoredIdentity, port: number): Promise<tls.TLSSocket> {
  const s = await tlsAs(id, port);
  s.on("error", () => {});
  s.write(
    encodeFrame(TunnelHello.encode({ kind: { $case: "heartbeat", value: { version: "x" } } }).finish()),
  );
  const reply = TunnelReply.decode(await readFrame(s));
  if (!reply.ok) throw new Error(`heartbeat session refused: ${reply.error}`);
  s.resume();
  return s;
}

/** Resolves when the other side closed `socket` (its end or close), rejects after `timeoutMs`. */
export function closed(
  socket: { once(ev: "end" | "close", f: () => void): unknown },
  timeoutMs = 10_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    socket.once("end", done);
    socket.once("close", done);
  });
}

/** Silent TCP connections to loopback, destroyed (client side) when disposed, whatever the test's outcome. */
export function silentPeers(): { open(port: number): Promise<net.Socket> } & Disposable {
  const all: net.Socket[] = [];
  return {
    open: (port) =>
      new Promise((resolve, reject) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
        all.push(s);
        s.once("error", reject);
      }),
    [Symbol.dispose]: () => all.forEach((s) => s.destroy()),
  };
}

/** Reads until the server closes the connection; gives up (and says so) after `limitMs`. */
export async function readUntilClosed(
  conn: Deno.Conn,
  limitMs: number,
): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  const buf = new Uint8Array(65536);
  let text = "";
  let gaveUp = false;
  const timer = setTimeout(() => {
    gaveUp = true;
    conn.close();
  }, limitMs);
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  clearTimeout(timer);
  if (!gaveUp) conn.close();
  assert.ok(!gaveUp, `the connection was still open after ${limitMs} ms (got ${JSON.stringify(text)})`);
  return { text, ms: Date.now() - started };
}

/** A gRPC client of the controller at `addr`, as `id` or without a certificate. */
export function grpcClient(addr: string, caPem: string, id?: StoredIdentity): grpc.Client {
  const creds = grpc.credentials.createSsl(
    Buffer.from(caPem),
    id ? Buffer.from(id.keyPem) : null,
    id ? Buffer.from(id.certPem) : null,
    // The attacker does not care who answers.
    { checkServerIdentity: () => undefined },
  );
  return new grpc.Client(addr, creds, channelOptions());
}

/** Calls `path` with raw request bytes; resolves with the status (never rejects). */
export function rawUnary(
  client: grpc.Client,
  path: string,
  body: Uint8Array,
): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      { deadline: Date.now() + 5_000 },
      (err: grpc.ServiceError | null) =>
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: "" }),
    );
  });
}
