import assert from "node:assert/strict";
import { AuditQueue } from "./audit.ts";
import type { TunnelEventInfo } from "./listener.ts";

const event = (n: number): TunnelEventInfo => ({
  kind: "tunnel.opened",
  atUnixMs: n,
  tunnelerId: "t1",
  resource: "",
  destination: "127.0.0.1:1",
  bytesIn: 0,
  bytesOut: 0,
  durationMs: 0,
  reason: "",
  error: "",
});

Deno.test("AuditQueue keeps the latest events, counts the dropped ones and reports the count once", () => {
  const q = new AuditQueue(3);
  for (let i = 1; i <= 5; i++) q.push(event(i));
  const first = q.take(2)!;
  assert.deepEqual([first.events.map((e) => e.atUnixMs), first.dropped], [[3, 4], 2]);
  const second = q.take(2)!;
  assert.deepEqual([second.events.map((e) => e.atUnixMs), second.dropped], [[5], 0]);
  assert.equal(q.take(), undefined);
});
