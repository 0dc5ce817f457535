/**
 * Failure mode 3.2: heartbeats stop reaching the controller (here: the connector is killed, its
 * stream goes down with it). Within OFFLINE_AFTER the registry flips the connector to OFFLINE, the
 * admin API and the UI's connectors page show it; the tunneler, whose heartbeats the connector
 * relays, goes OFFLINE too. Nothing is lost: the connector restarted from its state directory (no
 * token) is ONLINE again without a new enrollment, and the tunneler with it.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { startUi } from "../security/_ui.ts";
import { sessionCookie } from "../support/ui_session.ts";

Deno.test("3.2 a connector whose heartbeats stop shows OFFLINE in the admin API and the UI; it comes back ONLINE from its stored identity", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  const ui = await startUi({ ADMIN_API_URL: c.adminUrl, ADMIN_AUTH_TOKEN: c.adminToken });
  try {
    const { connector, listenPort } = await connectorAndTunneler(c, "127.0.0.1:9");
    await c.waitForStatus("connectors", "c1", "ONLINE");
    await connector.stop("SIGKILL");
    const offlineAt = Date.now();
    await waitFor(
      "c1 OFFLINE",
      async () => (await c.status("connectors", "c1")) === "OFFLINE" || undefined,
      15_000,
      200,
    );
    // OFFLINE_AFTER=3s with HEARTBEAT_INTERVAL=1s: the flip comes after the heartbeats stop, not at once.
    assert.ok(Date.now() - offlineAt < 15_000);
    await c.waitForStatus("tunnelers", "t1", "OFFLINE");
    const events = await c.admin("GET", "/api/admin/events?limit=50");
    assert.ok(JSON.stringify(events.body).includes("OFFLINE"), JSON.stringify(events.body));

    const login = await ui.login({ password: ui.password });
    await login.body?.cancel();
    const cookie = sessionCookie(login)!;
    const page = await ui.request("/connectors", { headers: { cookie } });
    const html = await page.text();
    assert.deepEqual(page.status, 200);
    assert.ok(/c1[\s\S]*OFFLINE/.test(html), "the UI's connectors page shows c1 OFFLINE");

    // Restarted without a token: the stored identity brings it back.
    const again = c.start("connector", ["run"], c.connectorEnv("c1", listenPort));
    await again.waitForLine("control-plane stream connected", 20_000);
    assert.ok(!again.lines.some((l) => l.includes("enrolling")), again.lines.join("\n"));
    await c.waitForStatus("connectors", "c1", "ONLINE");
    await waitFor(
      "t1 ONLINE again",
      async () => (await c.status("tunnelers", "t1")) === "ONLINE" || undefined,
      20_000,
      200,
    );

    // The UI names the failure mode of an OFFLINE agent (lane failure-ids): checked on the page above.
    assert.ok(html.includes("3.2"), "the UI shows failure mode 3.2 with the OFFLINE connector");
  } finally {
    await ui.stop();
    await c.close();
  }
});
