/** Real processes: `postern-connector status --json` beside a running connector reports its identity. */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { connectorAndTunneler, startCluster } from "./_cluster.ts";

Deno.test("connector status --json reports the SPIFFE ID and trusted CA fingerprints", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const { listenPort } = await connectorAndTunneler(c, "127.0.0.1:9");
    const st = c.start("connector", ["status", "--json"], c.connectorEnv("c1", listenPort));
    assert.deepEqual(await st.exited, 0, st.lines.join("\n"));
    const report = JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
    assert.deepEqual(report.identity.spiffe_id, "spiffe://postern.internal/connector/c1");
    assert.ok(report.identity.trusted_ca_fingerprints.length >= 1);
  } finally {
    await c.close();
  }
});
