/**
 * Real processes: a connector stopped with SIGTERM ends its control stream with a goodbye and is
 * OFFLINE in the admin API at once: OFFLINE_AFTER is 60 s here and the test waits at most 5 s.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { startCluster } from "./_cluster.ts";

Deno.test("a connector stopped with SIGTERM is OFFLINE at once, well before OFFLINE_AFTER", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { OFFLINE_AFTER: "60s" });
  try {
    const connector = await c.runConnector("c1", 0);
    await c.waitForStatus("connectors", "c1", "ONLINE", 20_000);
    const stoppedAt = Date.now();
    assert.deepEqual(await connector.stop(), 0);
    await c.waitForStatus("connectors", "c1", "OFFLINE", 5_000);
    assert.ok(Date.now() - stoppedAt < 5_000, `OFFLINE after ${Date.now() - stoppedAt} ms`);
  } finally {
    await c.close();
  }
});
