/** Test helpers: an in-process connector listener and tunneler forwarder on loopback. */
import assert from "node:assert/strict";
import net from "node:net";
import { concatBytes } from "../../shared/bytes.ts";
import { flood } from "../../shared/dataplane/testing_sockets.ts";
import { makeTestPki, type TestPki } from "../../shared/pki/testing.ts";
import { AgentCredentials } from "../../shared/agent/credentials.ts";
import { TunnelListener, type TunnelListenerOptions } from "../../connector/listener.ts";
import { Forwarder } from "../../tunneler/forwards.ts";
import { dialConnector, type DialOptions } from "../../tunneler/dialer.ts";
import { parseForwards } from "../../tunneler/config.ts";
import { createLogger, type Logger } from "../../shared/log/logger.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";

export const TD = "postern.internal";

/** The identity an agent process stored in `stateDir` (what a thief of its files would hold). */
export async function storedCredentials(stateDir: string): Promise<AgentCredentials> {
  const { svid, bundle } = await new IdentityStore(stateDir).load();
  return new AgentCredentials(svid, bundle);
}

/** A logger collecting lines. */
export function memLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", write: (l) => lines.push(l) }) };
}

/**
 * An echo server: echoes until the client half-closes, then sends "bye" and ends. With a
 * `banner` it speaks first, as SSH, SMTP or MySQL servers do.
 */
export async function echoServer(
  opts: { banner?: string } = {},
): Promise<{ port: number; close(): Promise<void> } & AsyncDisposable> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    if (opts.banner) s.write(opts.banner);
    s.pipe(s, { end: false });
    s.on("end", () => s.end("bye"));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return { port: (server.address() as net.AddressInfo).port, close, [Symbol.asyncDispose]: close };
}

/** `await using` a rig closes it. */
export interface Rig extends AsyncDisposable {
  pki: TestPki;
  connectorCreds: AgentCredentials;
  tunnelerCreds: AgentCredentials;
  listener: TunnelListener;
  forwarder: Forwarder;
  connectorPort: number;
  /** How to dial the connector, as `creds` (the tunneler's by default). */
  dial(creds?: AgentCredentials): DialOptions;
  connectorLog: string[];
  tunnelerLog: string[];
  close(): Promise<void>;
}

/** The {@link rig} options of one local forward to 127.0.0.1:`port`, listed as the connector's resource. */
export function forwardTo(port: number): { forwards: string; resources: string[] } {
  return { forwards: `127.0.0.1:0=127.0.0.1:${port}`, resources: [`127.0.0.1:${port}`] };
}

/** A connector listener and a forwarder with `forwards`, the tunneler "t1" allowed when `allow`. */
export async function rig(opts: {
  forwards: string;
  resources: string[];
  allow?: boolean;
  connectorIps?: string[];
  connectorTtlMs?: number;
  tunnelerTtlMs?: number;
  pki?: TestPki;
  /** Listener bounds (handshake and hello timeouts, unfinished handshakes). */
  listener?: Pick<TunnelListenerOptions, "handshakeTimeoutMs" | "maxPendingHandshakes" | "helloTimeoutMs">;
}): Promise<Rig> {
  const pki = opts.pki ?? await makeTestPki();
  const c = await pki.issue("connector", "c1", {
    ipSans: opts.connectorIps ?? ["127.0.0.1"],
    ...(opts.connectorTtlMs ? { ttlMs: opts.connectorTtlMs } : {}),
  });
  const t = await pki.issue("tunneler", "t1", opts.tunnelerTtlMs ? { ttlMs: opts.tunnelerTtlMs } : {});
  const connectorCreds = new AgentCredentials(c, pki.bundle);
  const tunnelerCreds = new AgentCredentials(t, pki.bundle);
  const cl = memLog();
  const tl = memLog();
  const listener = new TunnelListener({
    creds: connectorCreds,
    trustDomain: TD,
    log: cl.log,
    ...opts.listener,
  });
  listener.policy.apply({ allowedTunnelers: opts.allow === false ? [] : ["t1"], resources: opts.resources });
  const connectorPort = await listener.listen("127.0.0.1", 0);
  const dial = (creds = tunnelerCreds): DialOptions => ({
    creds,
    trustDomain: TD,
    connectorId: "c1",
    host: "127.0.0.1",
    port: connectorPort,
  });
  const forwarder = new Forwarder(() => dial(), tl.log);
  await forwarder.start(parseForwards(opts.forwards));
  const close = async () => {
    await forwarder.close(0);
    await listener.close(0);
  };
  return {
    pki,
    connectorCreds,
    tunnelerCreds,
    listener,
    forwarder,
    connectorPort,
    dial,
    connectorLog: cl.lines,
    tunnelerLog: tl.lines,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Connects to 127.0.0.1:port, sends `data`, half-closes, returns everything received. */
export function roundTrip(port: number, data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => s.end(data));
    s.on("data", (c: Uint8Array) => chunks.push(c));
    s.on("end", () => {
      s.end();
      resolve(concatBytes(chunks));
    });
    s.on("error", reject);
  });
}

/** {@link roundTrip} of a text: sends `text` (UTF-8) to `port` and resolves with what came back, as text. */
export async function roundTripText(port: number, text: string): Promise<string> {
  return new TextDecoder().decode(await roundTrip(port, new TextEncoder().encode(text)));
}

/**
 * Sends `total` bytes of a fixed pattern to 127.0.0.1:port and half-closes; counts what comes
 * back until the end and checks it against the pattern (an echo returns it offset-aligned).
 */
export async function bulk(
  port: number,
  total: number,
): Promise<{ received: number; ok: boolean; ms: number }> {
  return await new Promise((resolve, reject) => {
    const chunk = new Uint8Array(256 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7 + 3) & 0xff;
    let received = 0;
    let ok = true;
    const start = performance.now();
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => flood(s, total, chunk));
    s.on("data", (c: Uint8Array) => {
      // Check the pattern where the echo returns it (offset-aligned).
      for (let i = 0; i < c.length; i += 4093) {
        const pos = (received + i) % chunk.length;
        if (received + i < total && c[i] !== chunk[pos]) ok = false;
      }
      received += c.length;
    });
    s.on("end", () => {
      s.end();
      resolve({ received, ok, ms: performance.now() - start });
    });
    s.on("error", reject);
  });
}

/** The tunneler's first frame asking the connector to open `destination`. */
export const openFrame = (destination: string) => ({
  kind: { $case: "open" as const, value: { destination } },
});

/** The message a tunnel to `destination` dialed with `dial` is refused with; fails when it opens. */
export async function refusal(dial: DialOptions, destination: string): Promise<string> {
  try {
    await dialConnector(dial, openFrame(destination));
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`expected the tunnel to ${destination} to be refused`);
}
