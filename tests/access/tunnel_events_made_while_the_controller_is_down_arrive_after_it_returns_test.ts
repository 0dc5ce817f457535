/**
 * Real controller and connector processes: while the controller is down, the connector keeps
 * enforcing what it was last told and keeps the tunnel events it cannot send; once the controller
 * is back and the control stream reconnects, they arrive with their bytes.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { echoServer } from "../agents/_fixture.ts";
import { startCluster } from "../agents/_cluster.ts";
import { connectorGrantingDb, echoThrough, tunnelerCreds } from "./_access.ts";
import { waitFor } from "../support/wait_for.ts";

Deno.test("tunnel events made while the controller is down arrive after it returns", async () => {
  await using dir = await tempDir();
  await using db = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const { connector, port } = await connectorGrantingDb(c, `127.0.0.1:${db.port}`);
    await c.stopController();
    await connector.waitForLine(/control-plane stream reconnecting/, 10_000);
    const t1 = await tunnelerCreds(c, "t1");
    assert.equal(await echoThrough(t1, port, "db", "while away"), "while awaybye");

    await c.startController();
    const closed = await waitFor("the tunnel.closed made while the controller was down", async () => {
      const r = await c.admin("GET", "/api/admin/events?kind=tunnel.closed&resource=db");
      return r.body.events[0];
    }, 40_000);
    assert.deepEqual([closed.tunneler, closed.connector, closed.bytes_in, closed.bytes_out], [
      "t1",
      "c1",
      10,
      13,
    ]);
  } finally {
    await c.close();
  }
});
