/**
 * Row 2 of the review: one malformed heartbeat frame (`0a ff ff ff 0f 41`: field 1, length
 * 0xffffffff, one byte) from an allowlisted tunneler killed the connector process (uncaught
 * `RangeError: premature EOF`) and every tunnel with it. Now it ends that one session with a
 * warn naming the peer; the process and the other tunnels carry on.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { encodeFrame } from "../../shared/dataplane/framing.ts";
import { echoServer, roundTripText } from "../agents/_fixture.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { closed, heartbeatSessionAs, storedIdentity } from "./_hostile_peer.ts";

Deno.test("a malformed heartbeat frame from an allowlisted tunneler ends its session, not the connector", async () => {
  await using dir = await tempDir();
  await using echo = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const { connector, fwdPort, listenPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
    assert.deepEqual(await roundTripText(fwdPort, "before"), "beforebye");

    // The tunneler's own enrolled identity, used by a hostile process on its host.
    const stolen = await storedIdentity(`${dir.path}/tunneler-t1`);
    const hostile = await heartbeatSessionAs(stolen, listenPort);
    const gone = closed(hostile);
    hostile.write(encodeFrame(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41])));

    const warn = await connector.waitForLine("closing heartbeat session after a malformed frame", 10_000);
    assert.deepEqual(warn.includes("t1") && warn.includes("premature EOF"), true, warn);
    await gone;
    // The process lives on, and the real tunneler's tunnels still carry bytes.
    assert.deepEqual(await roundTripText(fwdPort, "after"), "afterbye");
    const exited = await Promise.race([connector.exited, Promise.resolve("running")]);
    assert.deepEqual(exited, "running");
    // Repeatable: the report saw the connector die again after each restart.
    const again = await heartbeatSessionAs(stolen, listenPort);
    const goneAgain = closed(again);
    again.write(encodeFrame(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x41])));
    await goneAgain;
    assert.deepEqual(await roundTripText(fwdPort, "still"), "stillbye");
    assert.deepEqual(await Promise.race([connector.exited, Promise.resolve("running")]), "running");
    hostile.destroy();
    again.destroy();
  } finally {
    await c.close();
  }
});
