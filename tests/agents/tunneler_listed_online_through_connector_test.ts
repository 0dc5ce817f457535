/** Real processes: the controller lists a connected tunneler ONLINE, reported through its connector. */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "./_cluster.ts";

Deno.test("the controller lists a connected tunneler ONLINE with its connector", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    await connectorAndTunneler(c, "127.0.0.1:9");
    const t1 = await waitFor("t1 ONLINE", async () => {
      const body = (await c.admin("GET", "/api/admin/tunnelers/t1")).body;
      return body?.status === "ONLINE" ? body : undefined;
    }, 10_000);
    assert.deepEqual(t1.connector_id, "c1", JSON.stringify(t1));
  } finally {
    await c.close();
  }
});
