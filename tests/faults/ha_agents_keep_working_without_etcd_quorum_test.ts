/**
 * Fault, real processes: two of three etcd members are killed under two controllers with a
 * connector and tunneler streaming (tests/ha has the admin side of this in detail). Without quorum
 * the controllers say not ready and refuse writes with the store's error, yet the agents keep
 * working: the tunnel carries bytes and neither agent exits or enrolls again. When the members
 * return, the controllers are ready, the registry and events written before are all there, the
 * agents are ONLINE again, and a write made after reaches the connector.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { within } from "../support/within.ts";
import { roundTripText } from "../agents/_fixture.ts";
import { startHaAgents, waitForAgentsOnline } from "./ha_agents.ts";

const NO_QUORUM = "etcd has no quorum or is unreachable";

etcdTest(
  "quorum lost: controllers not ready and refuse writes, agents keep working; all recovers",
  async () => {
    await using rig = await startHaAgents();
    const { ha, echo, agents } = rig;
    const [c0, c1] = [ha.controllers[0]!, ha.controllers[1]!];
    const readyz = async (url: string) => {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      return { status: r.status, body: await r.text() };
    };
    await waitForAgentsOnline(agents, c0, "c1 and t1 ONLINE", 15_000);
    const events = (await c0.admin("GET", "/api/admin/events?limit=1000")).body.events.map(
      (e: { id: string }) => e.id,
    ) as string[];

    await ha.etcd.kill(1);
    await ha.etcd.kill(2);
    for (const c of ha.controllers) {
      await waitFor(`controller ${c.adminUrl} not ready`, async () => {
        const r = await readyz(c.adminUrl);
        return r.status === 503 ? r : undefined;
      }, 15_000);
    }
    assert.match((await readyz(c1.adminUrl)).body, new RegExp(RegExp.escape(NO_QUORUM)));
    const refused = await within(
      c1.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1", "t2"] }),
      15_000,
      "a write without quorum",
    );
    assert.deepEqual(refused.status, 503, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), new RegExp(RegExp.escape(NO_QUORUM)));

    // The agents keep working past several heartbeats and OFFLINE_AFTER (3 s) without a store.
    const lostAt = Date.now();
    let trips = 0;
    while (Date.now() - lostAt < 6_000) {
      assert.deepEqual(
        await roundTripText(agents.fwdPort, `trip ${trips}`),
        `trip ${trips}bye`,
      );
      trips++;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const p of [agents.connector, agents.tunneler]) {
      assert.deepEqual(
        await Promise.race([p.exited, Promise.resolve("running")]),
        "running",
        p.lines.join("\n"),
      );
    }

    await ha.etcd.restart(1);
    await ha.etcd.restart(2);
    for (const c of ha.controllers) {
      await waitFor(
        `controller ${c.adminUrl} ready again`,
        async () => (await readyz(c.adminUrl)).status === 200 || undefined,
        30_000,
      );
    }
    await waitForAgentsOnline(agents, c0, "c1 and t1 ONLINE again", 30_000);
    const kept = new Set(
      (await c1.admin("GET", "/api/admin/events?limit=1000")).body.events.map((e: { id: string }) => e.id),
    );
    assert.deepEqual(events.filter((id) => !kept.has(id)), [], "every event written before is still listed");
    const listed = (await c1.admin("GET", "/api/admin/connectors")).body.map((a: { id: string }) => a.id);
    assert.deepEqual(listed, ["c1"]);
    const put = await c1.admin("PUT", "/api/admin/connectors/c1/resources", {
      resources: [`127.0.0.1:${echo.port}`, "127.0.0.1:1"],
    });
    assert.deepEqual(put.status, 200, JSON.stringify(put.body));
    await agents.connector.waitForLine(/configuration applied.*resources=2/, 20_000);
    for (const p of [agents.connector, agents.tunneler]) {
      assert.deepEqual(
        p.lines.filter((l) => l.includes("enrolling")).length,
        1,
        "enrolled once, at the start",
      );
    }
    assert.ok(trips > 5, `round trips without quorum: ${trips}`);
    assert.deepEqual(await roundTripText(agents.fwdPort, "after"), "afterbye");
  },
);
