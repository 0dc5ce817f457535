/**
 * Fault, real processes on Deno KV: the controller is killed (SIGKILL) while heartbeats flow, and
 * started again on its state directory. Every agent (two connectors, a tunneler) is back ONLINE
 * without a new token, the registry lists the same agents, every event written before the kill is
 * still there, and the tunneler's forward works throughout.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { roundTripText } from "../agents/_fixture.ts";
import { type Cluster, clusterWithEcho, connectorAndTunneler } from "../agents/_cluster.ts";

/** The registry as a comparable list: who is enrolled, under which identity and address. */
async function registry(c: Cluster): Promise<string[]> {
  const out: string[] = [];
  for (const role of ["connectors", "tunnelers"] as const) {
    const r = await c.admin("GET", `/api/admin/${role}`);
    assert.deepEqual(r.status, 200, JSON.stringify(r.body));
    for (const a of r.body) out.push(`${role}/${a.id} ${a.spiffe_id} ${a.private_ip ?? ""}`);
  }
  return out.sort();
}

/** Ids of the newest 1000 events. */
async function eventIds(c: Cluster): Promise<Set<string>> {
  const r = await c.admin("GET", "/api/admin/events?limit=1000");
  assert.deepEqual(r.status, 200, JSON.stringify(r.body));
  return new Set(r.body.events.map((e: { id: string }) => e.id));
}

/** postern_heartbeats_total of the controller. */
async function heartbeats(c: Cluster): Promise<number> {
  const text = await (await fetch(`${c.adminUrl}/metrics`)).text();
  return Number(/^postern_heartbeats_total (\d+)/m.exec(text)?.[1] ?? 0);
}

Deno.test("kill -9 the controller during heartbeats, restart it on its state: every agent back ONLINE without a new token, registry and events intact", async () => {
  await using rig = await clusterWithEcho();
  const { c, echo } = rig;
  const { connector: c1, tunneler, fwdPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
  const c2 = await c.runConnector("c2", freePort());
  await c1.waitForLine(/configuration applied.*resources=1/);
  const online = async () =>
    (await c.status("connectors", "c1")) === "ONLINE" &&
      (await c.status("connectors", "c2")) === "ONLINE" &&
      (await c.status("tunnelers", "t1")) === "ONLINE" || undefined;
  await waitFor("c1, c2 and t1 ONLINE", online, 15_000);
  assert.deepEqual(await roundTripText(fwdPort, "before"), "beforebye");
  const before = await registry(c);
  assert.deepEqual(before.length, 3, before.join("\n"));
  const events = await eventIds(c);
  assert.ok(events.size >= 5, `events before the kill: ${events.size}`);

  // Kill it while heartbeats arrive: right after the count moved.
  const count = await heartbeats(c);
  await waitFor("another heartbeat", async () => (await heartbeats(c)) > count || undefined, 10_000);
  assert.deepEqual(await c.controller.stop("SIGKILL"), 137);
  assert.deepEqual(await roundTripText(fwdPort, "while dead"), "while deadbye");

  await c.startController();
  // The restarted controller may still list them ONLINE from their stored last_seen: wait for each
  // connector's second stream first, then for the status.
  for (const p of [c1, c2]) {
    const reconnected = () =>
      p.lines.filter((l) => l.includes("control-plane stream connected")).length >= 2 || undefined;
    await waitFor(
      `${p === c1 ? "c1" : "c2"} reconnected`,
      () => Promise.resolve(reconnected()),
      30_000,
      100,
      p,
    );
  }
  await waitFor("c1, c2 and t1 ONLINE again", online, 30_000, 200, c1);
  for (const p of [c1, c2, tunneler]) {
    assert.deepEqual(p.lines.filter((l) => l.includes("enrolling")).length, 1, "enrolled once, at the start");
    assert.deepEqual(await Promise.race([p.exited, Promise.resolve("running")]), "running");
  }
  assert.deepEqual(await registry(c), before);
  const kept = await eventIds(c);
  const lost = [...events].filter((id) => !kept.has(id));
  assert.deepEqual(lost, [], "every event written before the kill is still listed");
  assert.deepEqual(await roundTripText(fwdPort, "after"), "afterbye");
});
