/**
 * Without ADMIN_HTTP_ADDR the admin API (bearer token, CA routes) listens on 127.0.0.1:8080 only:
 * another host cannot reach it. The controller runs in a namespace of the test's own, so the
 * default port is free and the host has a non-loopback address to try.
 */
import assert from "node:assert/strict";
import { canUseNetns, fetchInNamespace, withControllerOnIsolatedHost } from "../e2e/netns.ts";

const enabled = await canUseNetns();
if (!enabled) {
  console.warn("SKIP admin API default address test: needs root and iproute2 (ip netns); CI runs it as root");
}

Deno.test({
  name:
    "controller without ADMIN_HTTP_ADDR serves the admin API on 127.0.0.1:8080 and not on its other address",
  ignore: !enabled,
  fn: () =>
    withControllerOnIsolatedHost(({ env: { ADMIN_HTTP_ADDR: _, ...env } }) => env, async ({ host, p }) => {
      const r = await fetchInNamespace(host.ns, {
        loopback: { url: "http://127.0.0.1:8080/healthz" },
        other: { url: `http://${host.ip}:8080/healthz` },
      });
      assert.deepEqual(r.loopback, { status: 200, body: '{"status":"ok"}' });
      assert.ok("error" in r.other, `reachable on ${host.ip}: ${JSON.stringify(r.other)}`);
      assert.match(r.other.error, /Connection refused|ConnectionRefused/i);
      assert.ok(!p.lines.some((l) => l.includes("beyond loopback")), "no warning on loopback");
    }),
});
