import assert from "node:assert/strict";
import type { AgentState } from "../shared/agent/runtime.ts";
import { CONNECTOR_FAILURE_MODES, startHealth } from "./health.ts";
import type { TunnelListener } from "./listener.ts";

Deno.test("connector /metrics serves postern_failures_total for its fixed modes: refusals counted, 3.1 as reconnections", async () => {
  const listener = {
    stats: () => ({ sessions: 0, bytesIn: 0, bytesOut: 0, failures: new Map([["2.3", 2]]) }),
  } as unknown as TunnelListener;
  const state = { controlPlane: "connected", reconnects: 3 } as unknown as AgentState;
  const abort = new AbortController();
  const server = startHealth({ hostname: "127.0.0.1", port: 0 }, state, listener, abort.signal);
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
