/**
 * Presence across controllers in the metrics: a connector streams from controller 1 only, and
 * controller 0's `postern_connectors` gauge counts it ONLINE (not OFFLINE), as controller 1's does:
 * every controller of the store reports the cluster's figures.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { waitFor } from "../support/wait_for.ts";
import { startHa } from "./_ha.ts";
import { connectorOnTheOther, waitForStatus } from "./_presence.ts";

etcdTest("the agent gauges of one controller count the agents held by the other", async () => {
  await using ha = await startHa(2);
  const { c0, c1, connector } = await connectorOnTheOther(ha);
  try {
    await waitForStatus(c0, "c1", "ONLINE");
    const metrics = (url: string) => fetch(`${url}/metrics`).then((r) => r.text());
    // The OFFLINE count follows the enrollment event (refreshed at most once a second).
    const text = await waitFor(
      "controller 0's gauge with the enrolled connector",
      async () => {
        const t = await metrics(c0.adminUrl);
        return t.includes('postern_connectors{status="OFFLINE"} 0') ? t : undefined;
      },
      10_000,
      100,
    );
    assert.match(text, /postern_connectors\{status="ONLINE"\} 1/);
    assert.match(await metrics(c1.adminUrl), /postern_connectors\{status="ONLINE"\} 1/);
  } finally {
    await connector.stop();
  }
});
