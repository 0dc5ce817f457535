/**
 * Attack: a thief waits until the connector loses its controller, hoping that it forgets what it
 * was told. A connector keeps the revoked serials for the life of the process: refused while cut
 * off (its last configuration still admits the id, enrolled again) and after the stream is back.
 */
import assert from "node:assert/strict";
import type { AgentCredentials } from "../../shared/agent/credentials.ts";
import { TunnelHello } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { dialConnector, TunnelRefusedError } from "../../tunneler/dialer.ts";
import { tempDir } from "../support/paths.ts";
import { tcpProxy } from "../support/tcp_proxy.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { echoServer, storedCredentials } from "../agents/_fixture.ts";

Deno.test("a connector refuses a revoked certificate while cut off from the controller and after it reconnects", async () => {
  await using dir = await tempDir();
  const echo = await echoServer();
  const c = await startCluster(dir.path);
  const proxy = await tcpProxy(Number(c.grpcAddr.split(":").at(-1)));
  try {
    const resource = `127.0.0.1:${echo.port}`;
    const { connector, tunneler, listenPort } = await connectorAndTunneler(c, resource, {
      connectorEnv: { CONTROLLER_ADDR: `127.0.0.1:${proxy.port}` },
    });
    const stolen = await storedCredentials(`${dir.path}/tunneler-t1`);
    const dial = (creds: AgentCredentials) =>
      dialConnector(
        { creds, trustDomain: "postern.internal", connectorId: "c1", host: "127.0.0.1", port: listenPort },
        TunnelHello.fromPartial({ kind: { $case: "open", value: { destination: resource } } }),
      );
    const expectRefused = async () => {
      const refused = await dial(stolen).then(() => undefined, (e) => e);
      assert.ok(refused instanceof TunnelRefusedError, String(refused));
      assert.equal(refused.reason, "tunneler not allowed");
    };
    await tunneler.stop();
    assert.equal((await c.admin("DELETE", "/api/admin/tunnelers/t1")).status, 200);
    await c.runTunneler("t1", listenPort, "", { TUNNELER_STATE_DIR: `${dir.path}/tunneler-t1-again` });

    await proxy.cut();
    await connector.waitForLine("control-plane stream reconnecting", 10_000);
    await expectRefused();
    // The new enrollment of the id is still admitted by the cut-off connector.
    (await dial(await storedCredentials(`${dir.path}/tunneler-t1-again`))).socket.destroy();

    const from = connector.lines.length;
    await proxy.resume();
    // Reconnected: the controller sends the full list again (before the configuration).
    await waitFor("the connector to reconnect and get the revoked list", () => {
      const after = connector.lines.slice(from);
      const i = after.findIndex((l) => l.includes("control-plane stream connected"));
      return Promise.resolve(
        i >= 0 && after.slice(i).some((l) => /revoked certificates applied.*held=1/.test(l)) || undefined,
      );
    }, 30_000);
    await expectRefused();
    // The log line travels through a pipe, the refusal through TCP: wait for the line.
    const refusals = () => connector.lines.filter((l) => l.includes("certificate revoked: serial"));
    await waitFor(
      "both refusals in the connector's log",
      () => Promise.resolve(refusals().length >= 2 || undefined),
      5_000,
    )
      .catch(() => {});
    assert.equal(refusals().length, 2, refusals().join("\n"));
  } finally {
    await proxy.cut();
    await c.close();
    await echo.close();
  }
});
