import assert from "node:assert/strict";
import { AdminApiError, ControllerUnreachableError } from "./admin_client.ts";
import { duration, OutageWatch } from "./outage.ts";

const T0 = Date.parse("2026-12-01T12:01:05Z");
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
const down = new ControllerUnreachableError(
  "controller unreachable at http://127.0.0.1:1: connection refused",
);

Deno.test("OutageWatch names the ONLINE agents whose certificates expire first and the budget left", () => {
  const w = new OutageWatch();
  w.listed("connectors", [
    { id: "c1", status: "ONLINE", cert_expires_at: at(40) },
    { id: "c2", status: "ONLINE", cert_expires_at: at(55) },
    { id: "gone", status: "OFFLINE", cert_expires_at: at(10) },
  ], T0 - 5_000);
  w.listed("tunnelers", [{ id: "t1", status: "online", cert_expires_at: at(40.5) }], T0 - 5_000);
  assert.deepEqual(w.banner(T0), undefined, "no banner while the admin API answers");
  w.failed(down, T0);
  w.failed(down, T0 + 60_000); // a later failure keeps the start
  const b = w.banner(T0 + 3 * 60_000 + 10_000)!;
  assert.deepEqual(
    b.text,
    "Controller unreachable since 12:01:05 UTC (3 min); the first certificates expire at 12:41:05 UTC (36 min left): c1, t1",
  );
  assert.deepEqual(b.since, at(0));
  assert.deepEqual(b.expiresAt, at(40));
  assert.deepEqual(b.agents, ["c1", "t1"]);
  w.listed("connectors", [], T0 + 4 * 60_000);
  assert.deepEqual(w.banner(T0 + 4 * 60_000), undefined, "the banner goes once the admin API answers");
});

Deno.test("OutageWatch says when the first certificates expired, and when it has no listing", () => {
  const w = new OutageWatch();
  w.failed(down, T0);
  assert.deepEqual(
    w.banner(T0 + 45_000)!.text,
    "Controller unreachable since 12:01:05 UTC (45 s); no listing yet, so when certificates expire is unknown",
  );
  w.listed("connectors", [{ id: "c1", status: "ONLINE", cert_expires_at: at(30) }], T0 + 60_000);
  w.failed(down, T0 + 65_000);
  const late = w.banner(T0 + 65_000 + 90 * 60_000)!;
  assert.deepEqual(
    late.text,
    "Controller unreachable since 12:02:10 UTC (1 h 30 min); the first certificates expired at 12:31:05 UTC (1 h 1 min ago): c1",
  );
});

Deno.test("OutageWatch counts only network failures, timeouts and gateway errors as unreachable", () => {
  const w = new OutageWatch();
  w.failed(new AdminApiError(401, "unauthorized"), T0);
  w.failed(new Error("bad JSON"), T0);
  assert.deepEqual(w.since, undefined);
  w.failed(new AdminApiError(503, "etcd has no quorum"), T0);
  assert.deepEqual(w.since, T0);
  const t = new OutageWatch();
  t.failed(new DOMException("signal timed out", "TimeoutError"), T0);
  assert.deepEqual(t.since, T0);
});

Deno.test("OutageWatch names at most five agents and counts the rest", () => {
  const w = new OutageWatch();
  const agents = Array.from(
    { length: 8 },
    (_, i) => ({ id: `t${i}`, status: "ONLINE", cert_expires_at: at(20) }),
  );
  w.listed("tunnelers", agents, T0);
  w.failed(down, T0);
  const b = w.banner(T0)!;
  assert.deepEqual(b.agents, ["t0", "t1", "t2", "t3", "t4"]);
  assert.ok(b.text.endsWith(": t0, t1, t2, t3, t4 and 3 more"), b.text);
});

Deno.test("duration() reads as seconds, minutes, hours and days", () => {
  assert.deepEqual(duration(-5), "0 s");
  assert.deepEqual(duration(59_999), "59 s");
  assert.deepEqual(duration(3 * 60_000), "3 min");
  assert.deepEqual(duration(2 * 3_600_000), "2 h");
  assert.deepEqual(duration(26 * 3_600_000), "1 d 2 h");
});
