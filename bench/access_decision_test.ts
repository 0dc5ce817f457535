/** Smoke run of bench/access_decision.ts: small sizes, checks that it decides both ways (no timing). */
import assert from "node:assert/strict";
import { runAccessBench } from "./access_decision.ts";

Deno.test("bench/access_decision.ts runs and both allows and refuses", async () => {
  const r = await runAccessBench({ resources: 200, policies: 20, samples: 300, tunnelers: 50, groups: 5 });
  assert.equal(r.samples, 300);
  assert.ok(r.allowed > 0 && r.refused > 0, JSON.stringify(r));
  assert.ok(r.p50_ms <= r.p99_ms && r.p99_ms <= r.max_ms);
});
