/**
 * Real controller and connector processes: every tunnel is on the record. A carried tunnel gives
 * `tunnel.opened` and `tunnel.closed` with its bytes each way and its duration; a destination
 * nothing grants gives `tunnel.refused` `no_grant`; a tunneler nothing admits gives
 * `tunnel.refused` `not_allowed`. The events API filters them by resource and time, and
 * EVENTS_SINK receives each one as a JSON line.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { echoServer } from "../agents/_fixture.ts";
import { startCluster } from "../agents/_cluster.ts";
import { connectorGrantingDb, echoThrough, tunnelerCreds } from "./_access.ts";
import { waitFor } from "../support/wait_for.ts";

interface Event {
  id: string;
  ts: string;
  kind: string;
  tunneler?: string;
  connector?: string;
  resource?: string;
  destination?: string;
  bytes_in?: number;
  bytes_out?: number;
  duration_ms?: number;
  reason?: string;
}

Deno.test("tunnel events carry their bytes, filter by resource and time, and reach EVENTS_SINK", async () => {
  await using dir = await tempDir();
  await using db = await echoServer();
  const sink = `${dir.path}/events.jsonl`;
  const c = await startCluster(dir.path, { EVENTS_SINK: sink });
  try {
    const { port } = await connectorGrantingDb(c, `127.0.0.1:${db.port}`);
    const since = new Date().toISOString();
    const t1 = await tunnelerCreds(c, "t1");
    assert.equal(await echoThrough(t1, port, "db", "hello"), "hellobye");
    assert.equal(
      await echoThrough(t1, port, "127.0.0.1:1", "x"),
      'refused: resource not allowed: "127.0.0.1:1"',
    );
    assert.equal(
      await echoThrough(await tunnelerCreds(c, "eve"), port, "db", "x"),
      "refused: tunneler not allowed",
    );

    const events = await waitFor("the tunnel events", async () => {
      const r = await c.admin("GET", `/api/admin/events?kind=tunnel.&since=${since}`);
      const list = r.body.events as Event[];
      return list.length >= 4 ? list : undefined;
    }, 10_000);
    const byKind = (kind: string) => events.filter((e) => e.kind === kind);
    const [closed] = byKind("tunnel.closed");
    assert.deepEqual(
      [
        closed?.tunneler,
        closed?.connector,
        closed?.resource,
        closed?.destination,
        closed?.bytes_in,
        closed?.bytes_out,
      ],
      ["t1", "c1", "db", "db", 5, 8],
    );
    assert.ok(typeof closed?.duration_ms === "number" && closed.duration_ms >= 0);
    assert.deepEqual(byKind("tunnel.opened").map((e) => [e.tunneler, e.resource]), [["t1", "db"]]);
    assert.deepEqual(byKind("tunnel.refused").map((e) => [e.tunneler, e.reason]).sort(), [
      ["eve", "not_allowed"],
      ["t1", "no_grant"],
    ]);

    const ofDb = (await c.admin("GET", "/api/admin/events?resource=db&kind=tunnel.")).body.events as Event[];
    assert.deepEqual(ofDb.map((e) => e.kind).sort(), ["tunnel.closed", "tunnel.opened"]);
    const later = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual((await c.admin("GET", `/api/admin/events?kind=tunnel.&since=${later}`)).body.events, []);
    assert.deepEqual((await c.admin("GET", `/api/admin/events?kind=tunnel.&until=${since}`)).body.events, []);
    const bad = await c.admin("GET", "/api/admin/events?since=yesterday");
    assert.deepEqual([bad.status, bad.body.error], [
      400,
      'invalid since "yesterday": use an RFC 3339 time such as 2026-01-02T03:04:05Z',
    ]);

    // The sink holds every event as one JSON line: the same objects as the API.
    const lines = await waitFor("the sink", async () => {
      const text = await Deno.readTextFile(sink).catch(() => "");
      const parsed = text.split("\n").filter((l) => l).map((l) => JSON.parse(l) as Event);
      return events.every((e) => parsed.some((p) => p.id === e.id)) ? parsed : undefined;
    }, 10_000);
    assert.deepEqual(lines.find((l) => l.id === closed!.id), closed);
    assert.ok(lines.some((l) => l.kind === "policy.changed"), "admin changes reach the sink too");
  } finally {
    await c.close();
  }
});
