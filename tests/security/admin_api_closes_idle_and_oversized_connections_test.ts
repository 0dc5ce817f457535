/**
 * A client cannot hold admin API connections open for free or send huge request heads: a
 * connection that sends nothing is answered 408 and closed once the 10 s header timeout passes,
 * and a request head over 16 KiB gets 431 and is closed without reaching a handler.
 */
import assert from "node:assert/strict";
import { prepareController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { readUntilClosed } from "./_hostile_peer.ts";

Deno.test("controller admin API closes a silent connection with 408 and refuses a 32 KiB request head with 431", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const p = await controller.start();
  try {
    const port = Number(new URL(controller.adminUrl).port);
    const silent = await Deno.connect({ hostname: "127.0.0.1", port });
    const big = await Deno.connect({ hostname: "127.0.0.1", port });
    await big.write(new TextEncoder().encode(
      `GET /api/admin/ca HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${controller.adminToken}\r\nx-pad: ${
        "a".repeat(32 * 1024)
      }\r\n\r\n`,
    ));
    const [s, b] = await Promise.all([readUntilClosed(silent, 20_000), readUntilClosed(big, 20_000)]);
    assert.match(b.text, /^HTTP\/1\.1 431 /);
    assert.match(s.text, /^HTTP\/1\.1 408 /);
    assert.ok(s.ms >= 9_000, `closed after ${s.ms} ms, before the 10 s header timeout`);
  } finally {
    await p.stop();
  }
});
