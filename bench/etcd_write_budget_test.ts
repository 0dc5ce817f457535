import assert from "node:assert/strict";
import { etcdTest } from "../tests/support/etcd_cluster.ts";
import { formatBudget, measureWriteBudget } from "./etcd_write_budget.ts";

// Smoke version of the bench: few agents, a few seconds; the shape, not the figure.
etcdTest(
  "bench/etcd_write_budget.ts: connecting writes about two keys per agent, heartbeats write nothing",
  async () => {
    const r = await measureWriteBudget({ agents: 20, seconds: 3, heartbeatMs: 500 });
    assert.ok(r.connectRevisions >= 40 && r.connectRevisions <= 60, formatBudget(r));
    assert.deepEqual(r.steadyRevisions, 0, formatBudget(r));
  },
);
