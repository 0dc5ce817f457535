/**
 * Attack: a certificate the bundle's CA signed, naming an allowed tunneler, but that is itself a
 * CA (basicConstraints CA:TRUE) is presented to the connector. A leaf must not be a CA: the
 * connector refuses it (in the handshake or at admission) and no tunnel opens.
 */
import assert from "node:assert/strict";
import { x509 } from "../../shared/pki/mod.ts";
import { echoServer, rig } from "../agents/_fixture.ts";
import { waitFor } from "../support/wait_for.ts";
import { tryTunnel } from "./_tls_client.ts";

Deno.test("connector refuses a tunneler certificate that is a CA (CA:TRUE leaf)", async () => {
  await using echo = await echoServer();
  await using r = await rig({ forwards: "", resources: [`127.0.0.1:${echo.port}`] });
  const caLeaf = await r.pki.forge("spiffe://postern.internal/tunneler/t1", [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  const outcome = await tryTunnel(
    r.connectorPort,
    { cert: caLeaf.certPem, key: caLeaf.keyPem },
    `127.0.0.1:${echo.port}`,
  );
  assert.equal(outcome.received, 0, "no TunnelReply for a CA certificate");
  const line = await waitFor(
    "the connector to log the refusal",
    () => Promise.resolve(r.connectorLog.find((l) => /WARN\s+refused peer/.test(l))),
    5_000,
    20,
  );
  assert.ok(/CA:TRUE|\[2\.1\]/.test(line), line);
  assert.equal(r.listener.stats().sessions, 0);
});
