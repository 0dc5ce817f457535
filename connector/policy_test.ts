import assert from "node:assert/strict";
import { createLogger } from "../shared/log/logger.ts";
import { ConnectorPolicy, DEFAULT_HEARTBEAT_INTERVAL_MS, type PolicyChange } from "./policy.ts";

function policy() {
  const lines: string[] = [];
  const changes: PolicyChange[] = [];
  const p = new ConnectorPolicy({ log: createLogger({ level: "debug", write: (l) => lines.push(l) }) });
  p.onChange((c) => changes.push(c));
  return { p, lines, changes };
}

Deno.test("ConnectorPolicy denies by default and applies an AgentConfig as a whole", async () => {
  const { p, lines, changes } = policy();
  assert.deepEqual(p.allows("t1"), false);
  assert.deepEqual(p.heartbeatIntervalMs, DEFAULT_HEARTBEAT_INTERVAL_MS);
  p.apply({ allowedTunnelers: ["t1"], resources: ["127.0.0.1:22", "nonsense"], heartbeatIntervalMs: 200 });
  assert.deepEqual([p.allows("t1"), p.allows("t2"), p.heartbeatIntervalMs], [true, false, 200]);
  assert.deepEqual((await p.access.allow("t1", "127.0.0.1:22")).ok, true);
  assert.deepEqual(lines.filter((l) => l.includes("ignoring resource") && l.includes("nonsense")).length, 1);
  // A config without an interval keeps the one set; the allowlist is replaced, not merged.
  p.apply({ allowedTunnelers: ["t2"], resources: [], heartbeatIntervalMs: 0 });
  assert.deepEqual([p.allows("t1"), p.allows("t2"), p.heartbeatIntervalMs], [false, true, 200]);
  assert.deepEqual(changes, ["allowlist", "allowlist"]);
});

Deno.test("ConnectorPolicy.revoke() refuses a serial until its notAfter and tells the subscribers", () => {
  const { p, changes } = policy();
  assert.deepEqual(p.revoke([{ serial: "0AB", notAfterUnixMs: 5_000 }], 1_000), 1);
  assert.deepEqual([p.isRevoked("ab", 4_999), p.isRevoked("ab", 5_000)], [true, false]);
  assert.deepEqual(changes, ["revoked"]);
});

Deno.test("ConnectorPolicy admits a tunneler that only a grant names, for its granted resources", async () => {
  const { p } = policy();
  p.apply({
    allowedTunnelers: [],
    resources: ["127.0.0.1:22"],
    grantedResources: [{ name: "db", address: "127.0.0.1:5432" }],
    grants: [{ tunnelerIds: ["t3"], resources: [0] }],
  });
  assert.deepEqual(p.allows("t3"), true);
  const db = await p.access.allow("t3", "db");
  assert.deepEqual(db.ok && [db.host, db.port, db.resource], ["127.0.0.1", 5432, "db"]);
  assert.deepEqual((await p.access.allow("t3", "127.0.0.1:22")).ok, false);
});
