import assert from "node:assert/strict";
import { refusedBy, topBy } from "./top_traffic.ts";

const closed = (tunneler: string, resource: string | undefined, b: number) => ({
  kind: "tunnel.closed",
  tunneler,
  ...(resource ? { resource } : {}),
  bytes_in: b,
  bytes_out: 1,
});

Deno.test("top resources and tunnelers by bytes both ways, then tunnels; events without the field left out", () => {
  const events = [
    closed("t1", "db", 100),
    closed("t2", "db", 50),
    closed("t2", "web", 500),
    closed("t3", undefined, 9),
  ];
  assert.deepEqual(topBy(events, "resource"), [
    { name: "web", tunnels: 1, bytes: 501 },
    { name: "db", tunnels: 2, bytes: 152 },
  ]);
  assert.deepEqual(topBy(events, "tunneler", 2), [
    { name: "t2", tunnels: 2, bytes: 552 },
    { name: "t1", tunnels: 1, bytes: 101 },
  ]);
});

Deno.test("refusals per tunneler, most first, with the latest error", () => {
  const rows = refusedBy([
    { kind: "tunnel.refused", tunneler: "t1", error: "resource not allowed", ts: "2026-12-01T12:00:02Z" },
    { kind: "tunnel.refused", tunneler: "t1", error: "older", ts: "2026-12-01T12:00:01Z" },
    { kind: "tunnel.refused", reason: "not_allowed", ts: "2026-12-01T12:00:00Z" },
  ]);
  assert.deepEqual(rows, [
    { tunneler: "t1", count: 2, lastError: "resource not allowed", lastTs: "2026-12-01T12:00:02Z" },
    { tunneler: "", count: 1, lastError: "not_allowed", lastTs: "2026-12-01T12:00:00Z" },
  ]);
});
