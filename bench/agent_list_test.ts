/** Smoke run of bench/agent_list.ts: small sizes, checks that both renderings agree (no timing). */
import assert from "node:assert/strict";
import { runAgentListBench } from "./agent_list.ts";

Deno.test("bench/agent_list.ts runs and both renderings give the same text", async () => {
  const r = await runAgentListBench(50, 4);
  assert.equal(r.same_text, true);
  assert.ok(r.cached_ms.p50 <= r.cached_ms.max && r.uncached_ms.p50 <= r.uncached_ms.max);
});
