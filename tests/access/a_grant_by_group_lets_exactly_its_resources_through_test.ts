/**
 * Real controller and connector processes: a policy grants group "eng" the resource "a" only.
 * A member reaches "a" (by address and by name) and nothing else the connector serves: not the
 * resource "b", which another policy grants someone else, and not an address no resource names.
 * A tunneler outside the group is refused as not allowed.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { echoServer } from "../agents/_fixture.ts";
import { put, startCluster } from "../agents/_cluster.ts";
import { echoThrough, tunnelerCreds } from "./_access.ts";

Deno.test("a grant by group lets exactly its resources through and nothing else", async () => {
  await using dir = await tempDir();
  await using a = await echoServer();
  await using b = await echoServer();
  await using other = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const port = freePort();
    const connector = await c.runConnector("c1", port);
    await put(c, "/api/admin/resources/a", { address: `127.0.0.1:${a.port}`, connectors: ["c1"] });
    await put(c, "/api/admin/resources/b", { address: `127.0.0.1:${b.port}`, connectors: ["c1"] });
    await put(c, "/api/admin/groups/eng", { tunnelers: ["alice"] });
    await put(c, "/api/admin/policies/eng-a", { groups: ["eng"], resources: ["a"] });
    await put(c, "/api/admin/policies/bob-b", { tunnelers: ["bob"], resources: ["b"] });
    await connector.waitForLine(/configuration applied.*granted_tunnelers=2/, 5_000);

    const alice = await tunnelerCreds(c, "alice");
    assert.equal(await echoThrough(alice, port, `127.0.0.1:${a.port}`, "by address"), "by addressbye");
    assert.equal(await echoThrough(alice, port, "a", "by name"), "by namebye");
    assert.equal(
      await echoThrough(alice, port, `127.0.0.1:${b.port}`, "x"),
      `refused: resource not allowed: "127.0.0.1:${b.port}"`,
    );
    assert.equal(await echoThrough(alice, port, "b", "x"), `refused: resource not allowed: "b"`);
    assert.equal(
      await echoThrough(alice, port, `127.0.0.1:${other.port}`, "x"),
      `refused: resource not allowed: "127.0.0.1:${other.port}"`,
    );
    const carol = await tunnelerCreds(c, "carol");
    assert.equal(await echoThrough(carol, port, "a", "x"), "refused: tunneler not allowed");
  } finally {
    await c.close();
  }
});
