import assert from "node:assert/strict";
import { MAX_AGENTS, TrafficHistory, WINDOW_MS } from "./traffic_history.ts";

const T0 = Date.parse("2026-12-01T12:00:00Z");

Deno.test("traffic history: rates between samples, the window's bytes, a restart counts from zero", () => {
  const h = new TrafficHistory();
  h.record("connectors", [{ id: "c1", bytes_in: 1000, bytes_out: 0 }], T0);
  h.record("connectors", [{ id: "c1", bytes_in: 11_000, bytes_out: 5000 }], T0 + 5000);
  h.record("connectors", [{ id: "c1", bytes_in: 500, bytes_out: 5000 }], T0 + 10_000); // restarted
  assert.deepEqual(h.series("connectors", "c1", T0 + 10_000), {
    points: [{ t: T0 + 5000, in: 2000, out: 1000 }, { t: T0 + 10_000, in: 100, out: 0 }],
    bytesIn: 10_500,
    bytesOut: 5000,
    now: T0 + 10_000,
  });
  assert.deepEqual(h.series("tunnelers", "c1", T0).points, [], "roles are apart");
});

Deno.test("traffic history: the total adds the agents up; old samples and unreported counters are left out", () => {
  const h = new TrafficHistory();
  h.record(
    "connectors",
    [{ id: "a", bytes_in: 0, bytes_out: 0 }, { id: "b", bytes_in: 0, bytes_out: 0 }],
    T0,
  );
  h.record("connectors", [{ id: "a", bytes_in: 5000, bytes_out: 0 }, {
    id: "b",
    bytes_in: 10_000,
    bytes_out: 0,
  }], T0 + 5000);
  h.record("connectors", [{ id: "c", bytes_in: null, bytes_out: null }], T0 + 5000);
  assert.deepEqual(h.total("connectors", T0 + 5000).points, [{ t: T0 + 5000, in: 3000, out: 0 }]);
  assert.deepEqual(h.total("connectors", T0 + 5000 + WINDOW_MS + 1).points, []);
});

Deno.test("traffic history: at most MAX_AGENTS per role, the least recently reported dropped", () => {
  const h = new TrafficHistory();
  const agents = Array.from(
    { length: MAX_AGENTS + 5 },
    (_, i) => ({ id: `t${i}`, bytes_in: 0, bytes_out: 0 }),
  );
  h.record("tunnelers", agents, T0);
  h.record("tunnelers", agents.map((a) => ({ ...a, bytes_in: 5000 })), T0 + 5000);
  assert.deepEqual(h.series("tunnelers", "t0", T0 + 5000).points, []);
  assert.deepEqual(h.series("tunnelers", `t${MAX_AGENTS + 4}`, T0 + 5000).bytesIn, 5000);
});
