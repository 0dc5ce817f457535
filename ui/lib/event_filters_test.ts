import assert from "node:assert/strict";
import { apiQuery, readFilters, utcTime } from "./event_filters.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");

Deno.test("event filters: kind, agent, resource and the last hour become the admin API's query", () => {
  const f = readFilters(new URLSearchParams("kind=tunnel.&agent=laptop-1&resource=db&within=3600"));
  assert.deepEqual(
    apiQuery(f, NOW),
    { query: "?kind=tunnel.&agent=laptop-1&resource=db&since=2026-12-01T11%3A00%3A00.000Z&limit=100" },
  );
});

Deno.test("event filters: from and to are UTC; a bad one is named, an unknown within is dropped", () => {
  assert.deepEqual(utcTime("2026-12-01T10:30"), "2026-12-01T10:30:00.000Z");
  assert.deepEqual(utcTime("2026-12-01T10:30:00+01:00"), "2026-12-01T09:30:00.000Z");
  assert.deepEqual(utcTime("yesterday"), undefined);
  const f = readFilters(new URLSearchParams("from=2026-12-01T10:30&to=2026-12-01T11:00&within=5"));
  assert.deepEqual(f.within, "");
  assert.deepEqual(apiQuery(f, NOW), {
    query: "?since=2026-12-01T10%3A30%3A00.000Z&until=2026-12-01T11%3A00%3A00.000Z&limit=100",
  });
  assert.deepEqual(apiQuery(readFilters(new URLSearchParams("to=soon")), NOW), {
    error: 'invalid to time "soon": use 2026-01-02T03:04 (UTC)',
  });
});
