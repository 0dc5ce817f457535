/**
 * The UI ran on Deno.serve, which has no idle or header-read timeout: a connection that sent
 * nothing, half a request head, or nothing after its last answer stayed open (measured: still
 * open after 35 s). Now the UI runs on the shared HTTP server: a silent connection is answered
 * 408 and closed once the 10 s header timeout passes, an idle keep-alive connection is closed
 * after 5 s, and a request head over 16 KiB gets 431 without reaching a handler.
 */
import assert from "node:assert/strict";
import { readUntilClosed } from "./_hostile_peer.ts";
import { startUi } from "./_ui.ts";

Deno.test("the UI closes a silent connection with 408, an idle keep-alive one, and refuses a 32 KiB request head with 431", async () => {
  const ui = await startUi();
  try {
    const port = Number(new URL(ui.url).port);
    const enc = new TextEncoder();
    const silent = await Deno.connect({ hostname: "127.0.0.1", port });
    const idle = await Deno.connect({ hostname: "127.0.0.1", port });
    await idle.write(enc.encode("GET /login HTTP/1.1\r\nhost: x\r\n\r\n"));
    const big = await Deno.connect({ hostname: "127.0.0.1", port });
    await big.write(enc.encode(`GET /login HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(32 * 1024)}\r\n\r\n`));
    const [s, i, b] = await Promise.all([
      readUntilClosed(silent, 20_000),
      readUntilClosed(idle, 20_000),
      readUntilClosed(big, 20_000),
    ]);
    assert.match(b.text, /^HTTP\/1\.1 431 /);
    assert.match(i.text, /^HTTP\/1\.1 200 /);
    assert.ok(i.ms < 9_000, `the idle keep-alive connection was closed after ${i.ms} ms`);
    assert.match(s.text, /^HTTP\/1\.1 408 /);
    assert.ok(s.ms >= 9_000, `closed after ${s.ms} ms, before the 10 s header timeout`);
  } finally {
    await ui.stop();
  }
});
