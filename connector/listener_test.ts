import assert from "node:assert/strict";
import { makeTestPki } from "../shared/pki/testing.ts";
import { AgentCredentials } from "../shared/agent/credentials.ts";
import { dialConnector } from "../tunneler/dialer.ts";
import { echoServer, rig } from "../tests/agents/_fixture.ts";
import { tryTunnel } from "../tests/security/_tls_client.ts";

const open = (destination: string) => ({ kind: { $case: "open" as const, value: { destination } } });

/** Opens one tunnel as `creds` and closes it; rejects when the connector refuses. */
async function admitted(r: Awaited<ReturnType<typeof rig>>, creds: AgentCredentials, dest: string) {
  const { socket, peer } = await dialConnector(r.dial(creds), open(dest));
  socket.destroy();
  return peer.spiffeId.uri;
}

Deno.test("TunnelListener admits tunnelers after the connector renews its certificate", async () => {
  await using echo = await echoServer();
  const dest = `127.0.0.1:${echo.port}`;
  await using r = await rig({ forwards: "", resources: [dest] });
  await admitted(r, r.tunnelerCreds, dest);
  const renewed = await r.pki.issue("connector", "c1", { ipSans: ["127.0.0.1"] });
  r.connectorCreds.update({ svid: renewed });
  // A fresh tunneler certificate, so that no cached verification hides the new handshake.
  const fresh = new AgentCredentials(await r.pki.issue("tunneler", "t1"), r.pki.bundle);
  assert.equal(await admitted(r, fresh, dest), "spiffe://postern.internal/connector/c1");
  // The connector now presents the renewed certificate.
  const s2 = await dialConnector(r.dial(fresh), open(dest));
  assert.equal(
    s2.socket.getPeerCertificate().serialNumber?.toLowerCase(),
    renewed.certificate.serialNumber.toLowerCase(),
  );
  s2.socket.destroy();
});

Deno.test("TunnelListener admits tunnelers of a new CA after a bundle change, and refuses them before", async () => {
  await using echo = await echoServer();
  const dest = `127.0.0.1:${echo.port}`;
  await using r = await rig({ forwards: "", resources: [dest] });
  const next = await makeTestPki();
  const nextTunneler = await next.issue("tunneler", "t1");
  // Before the connector trusts the new CA: refused in the handshake.
  const before = await tryTunnel(
    r.connectorPort,
    { cert: nextTunneler.certPem, key: nextTunneler.keyPem },
    dest,
  );
  assert.equal(before.received, 0);
  // Rotation: the connector trusts both CAs (and gets a certificate of the new one).
  const both = r.pki.bundle.with(next.ca.certificate);
  r.connectorCreds.update({
    svid: await next.issue("connector", "c1", { ipSans: ["127.0.0.1"] }),
    bundle: both,
  });
  assert.equal(
    await admitted(r, new AgentCredentials(nextTunneler, both), dest),
    "spiffe://postern.internal/connector/c1",
  );
  // A tunneler still on the old CA is admitted too.
  const old = new AgentCredentials(await r.pki.issue("tunneler", "t1"), both);
  assert.equal(await admitted(r, old, dest), "spiffe://postern.internal/connector/c1");
});
