/**
 * Attack: a stolen (or simply revoked) tunneler certificate works again once its id is enrolled
 * anew, with a new key and a new token, because connectors admitted by id alone. The controller
 * pushes the serials of revoked certificates to connectors, which refuse them until their notAfter,
 * while the new enrollment of the same id is admitted.
 */
import assert from "node:assert/strict";
import type { AgentCredentials } from "../../shared/agent/credentials.ts";
import { TunnelHello } from "../../shared/proto/gen/postern/v1/tunnel_pb.ts";
import { dialConnector, TunnelRefusedError } from "../../tunneler/dialer.ts";
import { clusterWithEcho, connectorAndTunneler } from "../agents/_cluster.ts";
import { storedCredentials } from "../agents/_fixture.ts";

Deno.test("a revoked tunneler certificate stays refused by the connector after its id is enrolled again", async () => {
  await using rig = await clusterWithEcho();
  const { c, dir, echo } = rig;
  const resource = `127.0.0.1:${echo.port}`;
  const { connector, tunneler, listenPort } = await connectorAndTunneler(c, resource);
  const stolen = await storedCredentials(`${dir}/tunneler-t1`);
  const dial = (creds: AgentCredentials) =>
    dialConnector(
      { creds, trustDomain: "postern.internal", connectorId: "c1", host: "127.0.0.1", port: listenPort },
      TunnelHello.fromPartial({ kind: { $case: "open", value: { destination: resource } } }),
    );
  // Before the revocation the certificate opens a tunnel.
  (await dial(stolen)).socket.destroy();

  await tunneler.stop();
  assert.equal((await c.admin("DELETE", "/api/admin/tunnelers/t1")).status, 200);
  // The id is enrolled again (new key, new token bound to it) and admitted by the connector.
  await c.runTunneler("t1", listenPort, "", { TUNNELER_STATE_DIR: `${dir}/tunneler-t1-again` });
  (await dial(await storedCredentials(`${dir}/tunneler-t1-again`))).socket.destroy();

  // The revoked certificate is refused: the peer learns only "tunneler not allowed", the log why.
  const refused = await dial(stolen).then(() => undefined, (e) => e);
  assert.ok(refused instanceof TunnelRefusedError, String(refused));
  assert.equal(refused.reason, "tunneler not allowed");
  const serial = stolen.svid.certificate.serialNumber.toLowerCase();
  const line = await connector.waitForLine(/refused peer.*certificate revoked: serial/, 5_000);
  assert.ok(line.includes(serial) && line.includes("t1"), line);
});
