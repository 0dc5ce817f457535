/**
 * Connected socket pairs on loopback for the data-path tests: real TLS (node:tls, both ends
 * repaired by shared/repairs as the agents are) and plain Deno TCP; and a writer that floods a socket.
 * @module
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { makeTestPki, type TestPki } from "../pki/testing.ts";
import { connectTls, createTlsServer, isTlsFlowRepaired } from "../repairs/mod.ts";
import { concatBytes } from "../bytes.ts";

/** The TLS server's certificate, made on first use (flood() needs none). */
let serverSvid: ReturnType<TestPki["issue"]> | undefined;
const serverCertificate = () =>
  serverSvid ??= makeTestPki().then((pki) => pki.issue("connector", "c1", { ipSans: ["127.0.0.1"] }));

/** One TLS connection; `close()` destroys both ends and the listener. */
export async function tlsPair(): Promise<
  { server: tls.TLSSocket; client: tls.TLSSocket; close: () => void }
> {
  const svid = await serverCertificate();
  let accepted!: (s: tls.TLSSocket) => void;
  const serverSide = new Promise<tls.TLSSocket>((r) => accepted = r);
  const listener = createTlsServer(
    { cert: svid.certPem, key: svid.keyPem, allowHalfOpen: true } as tls.TlsOptions,
    (s) => {
      assert.equal(isTlsFlowRepaired(s), true);
      accepted(s);
    },
  );
  await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
  const client = connectTls({
    host: "127.0.0.1",
    port: (listener.address() as AddressInfo).port,
    rejectUnauthorized: false,
    allowHalfOpen: true,
  } as tls.ConnectionOptions);
  await new Promise((r) => client.once("secureConnect", r));
  assert.equal(isTlsFlowRepaired(client), true);
  const server = await serverSide;
  return {
    server,
    client,
    close: () => {
      server.destroy();
      client.destroy();
      listener.close();
    },
  };
}

/** One plain TCP connection: [the dialing end, the accepted end]. */
export async function connPair(): Promise<[Deno.Conn, Deno.Conn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [dialed, accepted] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port }),
    listener.accept(),
  ]);
  listener.close();
  return [dialed, accepted];
}

/** Reads `conn` to its end-of-stream; returns the bytes. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    parts.push(buffer.slice(0, n));
  }
  return concatBytes(parts);
}

/** Writes all of `data` to `conn`. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

/** What flood() writes to. */
interface FloodTarget {
  readonly destroyed: boolean;
  write(chunk: Uint8Array): boolean;
  once(event: "drain", listener: () => void): unknown;
  end(): unknown;
}

/**
 * Writes `chunk` to `socket` as fast as it takes it (waiting for 'drain' whenever write()
 * says so) until `totalBytes` are out, then ends it. Returns a live count of what was written.
 */
export function flood(
  socket: FloodTarget,
  totalBytes: number,
  chunk: Uint8Array = new Uint8Array(64 * 1024),
): { sent: number } {
  const progress = { sent: 0 };
  const pump = () => {
    while (progress.sent < totalBytes && !socket.destroyed) {
      progress.sent += chunk.length;
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
    if (!socket.destroyed) socket.end();
  };
  pump();
  return progress;
}

/**
 * Resolves once a flood's `progress.sent` has not moved for `quietMs` (the sender is held back,
 * or done): the sign that backpressure took hold, instead of a fixed wait. Rejects after
 * `timeoutMs` of steady sending.
 */
export async function floodStalled(
  progress: { readonly sent: number },
  quietMs = 200,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    if (progress.sent !== last) {
      last = progress.sent;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the sender kept sending for ${timeoutMs} ms (${progress.sent} bytes): no backpressure`);
}
