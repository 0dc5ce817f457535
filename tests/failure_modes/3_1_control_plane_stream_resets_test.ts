/**
 * Failure mode 3.1: control-plane stream resets. Postern prevents the flapping the original design
 * suffered: a controller restart (same state and CA) gives exactly one more `control-plane stream
 * connected` on the connector, none on the tunneler (its stream runs through the connector and
 * does not reset), no ONLINE/OFFLINE flap in the registry, and the tunnel keeps working.
 * Forced (the network between connector and controller cut twice), each cut is one reconnection,
 * logged with the id, and the agent is back ONLINE each time.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { tcpProxy } from "../support/tcp_proxy.ts";
import { waitFor } from "../support/wait_for.ts";
import type { RunningProgram } from "../support/process.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { echoServer, roundTripText } from "../agents/_fixture.ts";

const CONNECTED = "control-plane stream connected";
const connects = (p: RunningProgram) => p.lines.filter((l) => l.includes(CONNECTED)).length;

Deno.test(`3.1 a controller restart gives one "${CONNECTED}" per stream that the restart ends and no flap`, async () => {
  await using dir = await tempDir();
  await using echo = await echoServer();
  // OFFLINE_AFTER long enough for a restart, short enough for the test.
  const c = await startCluster(dir.path, { HEARTBEAT_INTERVAL: "1s", OFFLINE_AFTER: "8s" });
  try {
    const { connector, tunneler, fwdPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
    const both = async () =>
      (await c.status("connectors", "c1")) === "ONLINE" && (await c.status("tunnelers", "t1")) === "ONLINE"
        ? true
        : undefined;
    await waitFor("c1 and t1 ONLINE", both);
    const offlineEvents = async () => {
      const r = await c.admin("GET", "/api/admin/events?limit=500");
      return (JSON.stringify(r.body).match(/OFFLINE/g) ?? []).length;
    };
    const offlineBefore = await offlineEvents();
    assert.deepEqual([connects(connector), connects(tunneler)], [1, 1]);

    assert.deepEqual(await c.stopController(), 0);
    await c.startController();
    await waitFor(
      "the connector's reconnection",
      () => Promise.resolve(connects(connector) >= 2 || undefined),
      20_000,
    );
    // Several heartbeats after the reconnection: seen through last_seen moving on.
    const seen = async () => {
      const r = await c.admin("GET", "/api/admin/connectors/c1");
      return Date.parse(r.body.last_seen ?? r.body.lastSeen ?? "");
    };
    const after = Date.now();
    await waitFor(
      "three heartbeats after the restart",
      async () => (await seen()) > after + 3_000 || undefined,
      15_000,
      200,
    );
    assert.deepEqual(
      [connects(connector), connects(tunneler)],
      [2, 1],
      "one reconnection of the connector, no loop",
    );
    const ev = await c.admin("GET", "/api/admin/events?limit=500");
    assert.deepEqual(
      await offlineEvents(),
      offlineBefore,
      `no OFFLINE transition in the registry: ${JSON.stringify(ev.body)}`,
    );
    assert.deepEqual(await both(), true);
    assert.deepEqual(
      await roundTripText(fwdPort, "x"),
      "xbye",
    );
  } finally {
    await c.close();
  }
});

Deno.test("3.1 forced: cutting the connector's network to the controller twice gives one reconnection per cut, back ONLINE", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { HEARTBEAT_INTERVAL: "1s", OFFLINE_AFTER: "8s" });
  try {
    const proxy = await tcpProxy(Number(c.grpcAddr.split(":")[1]));
    const connector = c.start("connector", ["run"], {
      ...c.connectorEnv("c1", 0, { CONTROLLER_ADDR: `127.0.0.1:${proxy.port}` }),
      CONNECTOR_LISTEN_ADDR: "127.0.0.1:0",
      ENROLLMENT_TOKEN: await c.token("connector", "c1"),
    });
    await connector.waitForLine(CONNECTED, 20_000);
    for (let cut = 1; cut <= 2; cut++) {
      await proxy.cut();
      await proxy.resume();
      await waitFor(
        `reconnection ${cut}`,
        () => Promise.resolve(connects(connector) >= cut + 1 || undefined),
        30_000,
        100,
        connector,
      );
      await c.waitForStatus("connectors", "c1", "ONLINE");
    }
    assert.deepEqual(connects(connector), 3);
    assert.ok(
      connector.lines.some((l) => /stream (lost|ended|failed|closed)|reconnect/i.test(l)),
      connector.lines.join("\n"),
    );
    // 3.1 is informational: each reconnection carries the id as a field, not as an error bracket.
    const tagged = connector.lines.filter((l) => l.includes(CONNECTED) && l.includes("failure_mode=3.1"));
    assert.deepEqual(tagged.length, 3, connector.lines.join("\n"));
  } finally {
    await c.close();
  }
});
