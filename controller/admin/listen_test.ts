import assert from "node:assert/strict";
import { createLogger } from "../../shared/log/logger.ts";
import { listenAdmin } from "./listen.ts";

const log = createLogger({ level: "error", format: "text", write: () => {} });

Deno.test("listenAdmin() answers 503 when a request body is dripped in slower than the deadline", async () => {
  const server = listenAdmin(
    { addr: { hostname: "127.0.0.1", port: 0 }, log, requestTimeoutMs: 300 },
    async (req) => new Response(await req.text()),
  );
  const port = (server.addr as Deno.NetAddr).port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    // Announce 100 bytes, send 1: the handler waits on the body until the deadline.
    await conn.write(new TextEncoder().encode(
      "POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{",
    ));
    const started = Date.now();
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    assert.ok(n !== null);
    const text = new TextDecoder().decode(buf.subarray(0, n));
    assert.match(text, /^HTTP\/1\.1 503/);
    assert.match(text, /request not answered within 300 ms/);
    assert.ok(Date.now() - started < 5000);
  } finally {
    conn.close();
    await server.shutdown();
  }
});

Deno.test("listenAdmin() logs no plain-HTTP warning on loopback", async () => {
  // The warning beyond loopback is tested in a namespace of its own
  // (tests/security/ca_key_refused_over_plain_http_from_another_host_test.ts): tests bind loopback only.
  const lines: string[] = [];
  const l = createLogger({ level: "info", format: "text", write: (x) => lines.push(x) });
  const server = listenAdmin({ addr: { hostname: "127.0.0.1", port: 0 }, log: l }, () => new Response("ok"));
  await server.shutdown();
  assert.deepEqual(lines.filter((x) => x.includes("plain HTTP")), []);
});
