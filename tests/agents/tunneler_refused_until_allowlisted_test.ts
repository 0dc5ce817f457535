/**
 * Real processes: a tunneler that is not on the connector's allowlist is refused as such (3.3)
 * and keeps retrying; once the admin API allowlists it, its control-plane stream connects.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { startCluster } from "./_cluster.ts";

Deno.test("a tunneler is refused with tunneler not allowed until it is allowlisted, then connects", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const listenPort = freePort();
    await c.runConnector("c1", listenPort);
    const tunneler = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv("t1", listenPort, `127.0.0.1:${freePort()}=127.0.0.1:9`),
      ENROLLMENT_TOKEN: await c.token("tunneler"),
    });
    await tunneler.waitForLine("tunneler not allowed", 20_000);
    assert.deepEqual(
      (await c.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] })).status,
      200,
    );
    await tunneler.waitForLine("control-plane stream connected", 40_000);
  } finally {
    await c.close();
  }
});
