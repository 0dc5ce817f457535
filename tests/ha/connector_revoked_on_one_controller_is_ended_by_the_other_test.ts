/**
 * A revocation through one controller reaches a connector streaming from another: that controller
 * sees the revoked certificate by watch, tells the connector and ends its stream, and the
 * connector stops (exit 1) saying why, as it would with one controller.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { within } from "../support/within.ts";
import { startHa } from "./_ha.ts";
import { connectorOnTheOther } from "./_presence.ts";

etcdTest(
  "a connector revoked through one controller is ended by the controller it streams from",
  async () => {
    await using ha = await startHa(2);
    const { c0, c1, connector } = await connectorOnTheOther(ha);
    try {
      await connector.waitForLine("configuration applied", 20_000);
      const started = Date.now();
      assert.deepEqual((await c0.admin("DELETE", "/api/admin/connectors/c1")).status, 200);
      assert.deepEqual(await within(connector.exited, 5_000, "the revoked connector's exit"), 1);
      const took = Date.now() - started;
      assert.deepEqual(
        connector.lines.at(-1),
        "postern-connector: identity revoked: spiffe://postern.internal/connector/c1 (revoked by the operator); enroll again with a new token",
      );
      assert.ok(took < 2_000, `the revocation took ${took} ms to end the connector on the other controller`);
      assert.deepEqual((await c1.admin("GET", "/api/admin/connectors/c1")).status, 404);
    } finally {
      await connector.stop();
    }
  },
);
