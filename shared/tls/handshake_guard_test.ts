import assert from "node:assert/strict";
import net from "node:net";
import { HandshakeGuard } from "./handshake_guard.ts";
import { createLogger } from "../log/logger.ts";

/** A loopback server whose connections go to `guard`. */
async function served(guard: HandshakeGuard) {
  const server = net.createServer({ allowHalfOpen: true }, (s) => guard.admit(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const clients: net.Socket[] = [];
  return {
    /** Connects; resolves once the client is connected. */
    connect(): Promise<net.Socket> {
      return new Promise((resolve, reject) => {
        const c = net.connect({ host: "127.0.0.1", port }, () => resolve(c));
        clients.push(c);
        c.once("error", reject);
      });
    },
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.destroy();
      guard.close();
      await new Promise((r) => server.close(r));
    },
  };
}

const ended = (s: net.Socket) => new Promise<void>((r) => s.once("end", () => r()));

Deno.test("HandshakeGuard closes connections over the bound and warns once per window with the count", async () => {
  const lines: string[] = [];
  const closed: string[] = [];
  let now = 0;
  const log = createLogger({ level: "debug", write: (l) => lines.push(l) });
  const guard = new HandshakeGuard({
    log,
    timeoutMs: 60_000,
    maxPending: 1,
    warnEveryMs: 10_000,
    now: () => now,
    onClose: (reason) => closed.push(reason),
  });
  await using srv = await served(guard);
  await srv.connect();
  // Wait until the server side saw the first connection.
  for (let i = 0; i < 100 && guard.pending < 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(guard.pending, 1);
  for (let i = 0; i < 3; i++) await ended(await srv.connect());
  const warns = () =>
    lines.filter((l) => l.includes("closed connections over the unfinished handshake limit"));
  assert.equal(warns().length, 1);
  assert.match(warns()[0]!, /closed=1 limit=1/);
  // The next window's warn counts the connections closed silently in between.
  now += 10_000;
  await ended(await srv.connect());
  assert.equal(warns().length, 2);
  assert.match(warns()[1]!, /closed=3 limit=1/);
  assert.equal(guard.pending, 1);
  assert.deepEqual(closed, ["limit", "limit", "limit", "limit"]);
});

Deno.test("HandshakeGuard destroys a connection still unfinished after the timeout and frees its slot", async () => {
  const log = createLogger({ level: "debug", write: () => {} });
  const closed: string[] = [];
  const guard = new HandshakeGuard({ log, timeoutMs: 200, maxPending: 1, onClose: (r) => closed.push(r) });
  await using srv = await served(guard);
  const c = await srv.connect();
  await ended(c);
  for (let i = 0; i < 100 && guard.pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(guard.pending, 0);
  assert.deepEqual(closed, ["timeout"]);
});
