/**
 * Real controller, connector and tunneler processes: `TUNNELER_FORWARDS=127.0.0.1:P=db` names the
 * resource "db" that a policy grants the tunneler; the connector resolves the name to the
 * resource's address and the forward carries bytes both ways.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { echoServer, roundTrip } from "../agents/_fixture.ts";
import { startCluster } from "../agents/_cluster.ts";
import { connectorGrantingDb } from "./_access.ts";

Deno.test("a tunnel naming a resource works through a real tunneler forward", async () => {
  await using dir = await tempDir();
  await using db = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const { port } = await connectorGrantingDb(c, `localhost:${db.port}`);
    const fwd = freePort();
    await c.runTunneler("t1", port, `127.0.0.1:${fwd}=db`);
    const got = await roundTrip(fwd, new TextEncoder().encode("select 1"));
    assert.equal(new TextDecoder().decode(got), "select 1bye");
  } finally {
    await c.close();
  }
});
