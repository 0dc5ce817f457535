/**
 * Attack: a connector (or whoever holds its key) sends tunnel events to poison the audit trail:
 * kinds that are not tunnel events, ids outside the id charset, unknown reasons, huge texts. The controller records only the three tunnel kinds, always
 * with the authenticated connector as `connector`, drops what is not an id, caps texts, and
 * records a dropped count as its own event.
 */
import assert from "node:assert/strict";
import { connect, enroll, eventually, startHarness } from "../controller/harness.ts";

const event = (over: Record<string, unknown>) => ({
  kind: "tunnel.closed",
  atUnixMs: Date.now(),
  tunnelerId: "t1",
  resource: "db",
  destination: "db",
  bytesIn: 5,
  bytesOut: 8,
  durationMs: 3,
  reason: "",
  error: "",
  ...over,
});

Deno.test("a connector's tunnel events are checked before they are recorded", async () => {
  await using h = await startHarness();
  const a = await enroll(h, { token: await h.token("connector"), id: "c1" });
  const s = connect(h, a);
  await s.next((m) => m.body?.$case === "config");
  s.send({
    body: {
      $case: "tunnelEvents",
      value: {
        dropped: 7,
        events: [
          event({}),
          event({ kind: "ca.activated" }),
          event({
            kind: "tunnel.refused",
            tunnelerId: "../x",
            resource: "a b",
            reason: "because",
            error: "e".repeat(5000),
          }),
          event({ kind: "tunnel.opened", destination: "d".repeat(5000) }),
        ],
      },
    },
  });
  type E = Record<string, unknown> & { kind: string };
  let events: E[] = [];
  await eventually(
    async () => {
      events = (await (await h.admin("/api/admin/events?kind=tunnel.")).json()).events;
      return events.length === 3;
    },
    5000,
    "three tunnel events",
  );
  const closed = events.find((e) => e.kind === "tunnel.closed")!;
  assert.deepEqual(
    [
      closed.connector,
      closed.tunneler,
      closed.resource,
      closed.bytes_in,
      closed.bytes_out,
      closed.duration_ms,
    ],
    ["c1", "t1", "db", 5, 8, 3],
  );
  const refused = events.find((e) => e.kind === "tunnel.refused")!;
  assert.deepEqual([refused.tunneler, refused.resource, refused.reason], [
    undefined,
    undefined,
    "not_allowed",
  ]);
  assert.ok(String(refused.error).length < 400, "the error text is capped");
  const opened = events.find((e) => e.kind === "tunnel.opened")!;
  assert.ok(String(opened.destination).length < 400, "the destination is capped");
  const all = (await (await h.admin("/api/admin/events?kind=ca.activated")).json()).events;
  assert.deepEqual(all, [], "a connector cannot record other kinds");
  const dropped =
    (await (await h.admin("/api/admin/events?kind=connector.tunnel_events_dropped")).json()).events;
  assert.deepEqual(dropped.map((e: E) => [e.agent, e.dropped]), [["c1", 7]]);
  s.close();
});
