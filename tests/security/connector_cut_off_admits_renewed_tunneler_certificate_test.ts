/**
 * Availability under revocation by serial: a connector that cannot reach the controller has not
 * heard of a tunneler's renewed certificate (new key, new serial), and must still admit it: the
 * connector refuses revoked serials, it does not admit only the serials it was told about.
 */
import assert from "node:assert/strict";
import { TunnelHello } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { dialConnector } from "../../tunneler/dialer.ts";
import { tempDir } from "../support/paths.ts";
import { tcpProxy } from "../support/tcp_proxy.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { echoServer, roundTripText, storedCredentials } from "../agents/_fixture.ts";

Deno.test("a connector cut off from the controller admits the renewed certificate of an unrevoked tunneler", async () => {
  await using dir = await tempDir();
  const echo = await echoServer();
  const c = await startCluster(dir.path, { TUNNELER_CERT_TTL: "6s" });
  const proxy = await tcpProxy(Number(c.grpcAddr.split(":").at(-1)));
  try {
    const resource = `127.0.0.1:${echo.port}`;
    const { connector, tunneler, fwdPort, listenPort } = await connectorAndTunneler(c, resource, {
      connectorEnv: { CONTROLLER_ADDR: `127.0.0.1:${proxy.port}` },
    });
    assert.equal(await roundTripText(fwdPort, "hi"), "hibye");
    const stateDir = `${dir.path}/tunneler-t1`;
    const before = (await storedCredentials(stateDir)).svid.certificate.serialNumber;

    await proxy.cut();
    await connector.waitForLine("control-plane stream reconnecting", 10_000);
    const renewedAt = tunneler.lines.length;
    // The tunneler reaches the controller directly and renews (a 6 s certificate, at 4 s).
    const renewedNow = () => tunneler.lines.slice(renewedAt).some((l) => l.includes("certificate renewed"));
    await waitFor("the tunneler to renew", () => Promise.resolve(renewedNow() || undefined), 15_000);
    const renewed = await storedCredentials(stateDir);
    assert.notEqual(renewed.svid.certificate.serialNumber, before);

    // The connector never heard of the new serial and admits it: directly, and through the forward.
    const { socket } = await dialConnector(
      {
        creds: renewed,
        trustDomain: "postern.internal",
        connectorId: "c1",
        host: "127.0.0.1",
        port: listenPort,
      },
      TunnelHello.fromPartial({ kind: { $case: "open", value: { destination: resource } } }),
    );
    socket.destroy();
    assert.equal(await roundTripText(fwdPort, "again"), "againbye");
    assert.equal(
      connector.lines.filter((l) => l.includes("control-plane stream connected")).length,
      1,
      "the connector reached the controller again: the test did not cut it off",
    );
  } finally {
    await proxy.cut();
    await c.close();
    await echo.close();
  }
});
