import assert from "node:assert/strict";
import type { AgentState } from "../shared/agent/runtime.ts";
import { CONNECTOR_FAILURE_MODES, outageMetrics, startHealth } from "./health.ts";
import { AgentState as State } from "../shared/agent/agent_state.ts";
import type { TunnelListener } from "./listener.ts";

Deno.test("connector /metrics serves postern_failures_total for its fixed modes: refusals counted, 3.1 as reconnections", async () => {
  const listener = {
    stats: () => ({ sessions: 0, bytesIn: 0, bytesOut: 0, failures: new Map([["2.3", 2]]) }),
  } as unknown as TunnelListener;
  const state = { controlPlane: "connected", reconnects: 3 } as unknown as AgentState;
  const abort = new AbortController();
  const server = startHealth(
    { hostname: "127.0.0.1", port: 0 },
    state,
    listener,
    abort.signal,
    () => new Date(),
  );
  try {
    const res = await fetch(`http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/metrics`);
    const text = await res.text();
    const series = text.split("\n").filter((l) => l.startsWith("postern_failures_total"));
    assert.deepEqual(series, [
      'postern_failures_total{mode="2.1"} 0',
      'postern_failures_total{mode="2.3"} 2',
      'postern_failures_total{mode="3.1"} 3',
      'postern_failures_total{mode="3.3"} 0',
    ]);
    assert.equal(series.length, CONNECTOR_FAILURE_MODES.length);
  } finally {
    abort.abort();
    await server.finished;
  }
});

Deno.test("outageMetrics() says since when no controller answers and the budget left until the certificate expires", () => {
  const series = (lines: string[]) => lines.filter((l) => !l.startsWith("#"));
  let now = Date.parse("2026-01-01T00:00:00Z");
  const state = new State(["127.0.0.1:1"], () => now);
  const notAfter = new Date(now + 3_600_000);
  assert.deepEqual(series(outageMetrics(state, notAfter, now)), [
    "postern_connector_controller_unreachable_since_seconds 0",
    `postern_connector_certificate_expiry_seconds ${notAfter.getTime() / 1000}`,
    "postern_connector_outage_budget_seconds 0",
  ]);
  state.controllerLost();
  const lostAt = now / 1000;
  now += 600_000;
  state.controllerLost(); // still the same outage
  assert.deepEqual(series(outageMetrics(state, notAfter, now)), [
    `postern_connector_controller_unreachable_since_seconds ${lostAt}`,
    `postern_connector_certificate_expiry_seconds ${notAfter.getTime() / 1000}`,
    "postern_connector_outage_budget_seconds 3000",
  ]);
  state.controllerReached();
  assert.equal(
    series(outageMetrics(state, notAfter, now))[0],
    "postern_connector_controller_unreachable_since_seconds 0",
  );
});
