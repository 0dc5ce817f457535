/**
 * A change through any controller's admin API reaches agents connected to any controller within
 * a second: a real connector process streams from controller 1 while its allowlist changes
 * through controller 0.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { startHa } from "./_ha.ts";
import { connectorOnTheOther } from "./_presence.ts";

etcdTest(
  "an allowlist change through one controller reaches a connector on the other within a second",
  async () => {
    await using ha = await startHa(2);
    const { c0, connector } = await connectorOnTheOther(ha);
    try {
      await connector.waitForLine("configuration applied", 20_000);
      const from = connector.lines.length;
      const started = Date.now();
      const res = await c0.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1", "t2"] });
      assert.ok(
        res.status === 200,
        `allowlist through controller 0: ${res.status} ${JSON.stringify(res.body)}`,
      );
      await connector.waitForLine(/configuration applied.*allowed_tunnelers\W+2/, 5_000);
      const took = Date.now() - started;
      assert.ok(
        connector.lines.slice(from).some((l) => /configuration applied.*allowed_tunnelers\W+2/.test(l)),
        "the change arrived before it was made",
      );
      assert.ok(took < 1_000, `the change took ${took} ms to reach the connector on the other controller`);
    } finally {
      await connector.stop();
    }
  },
);
