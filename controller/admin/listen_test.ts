import assert from "node:assert/strict";
import { createLogger } from "../../shared/log/logger.ts";
import { listenAdmin } from "./listen.ts";

// The bounds themselves are the shared HTTP server's: shared/http/serve_test.ts.

Deno.test("listenAdmin() logs no plain-HTTP warning on loopback", async () => {
  // The warning beyond loopback is tested in a namespace of its own
  // (tests/security/ca_key_refused_over_plain_http_from_another_host_test.ts): tests bind loopback only.
  const lines: string[] = [];
  const l = createLogger({ level: "info", format: "text", write: (x) => lines.push(x) });
  const server = await listenAdmin(
    { addr: { hostname: "127.0.0.1", port: 0 }, log: l },
    () => new Response("ok"),
  );
  await server.shutdown();
  assert.deepEqual(lines.filter((x) => x.includes("plain HTTP")), []);
});

Deno.test("listenAdmin() names ADMIN_HTTP_ADDR when its port is taken (5.3)", async () => {
  const log = createLogger({ level: "error", format: "text", write: () => {} });
  const first = await listenAdmin(
    { addr: { hostname: "127.0.0.1", port: 0 }, log },
    () => new Response("ok"),
  );
  try {
    await assert.rejects(
      listenAdmin({ addr: { hostname: "127.0.0.1", port: first.port }, log }, () => new Response("ok")),
      (e: Error & { failureMode?: string }) =>
        e.failureMode === "5.3" &&
        /^bind: address already in use: ADMIN_HTTP_ADDR 127\.0\.0\.1:\d+ is taken; stop the other process or set ADMIN_HTTP_ADDR to a free port$/
          .test(e.message),
    );
  } finally {
    await first.shutdown();
  }
});
