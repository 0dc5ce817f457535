/**
 * Attack: a leaf issued by an intermediate CA (itself signed by the bundle's CA), presented with
 * that intermediate, names an allowed tunneler. Only the bundle's CAs issue leaves: the connector
 * refuses it with [2.1] and no tunnel opens, although the TLS chain itself is valid.
 */
import assert from "node:assert/strict";
import { x509 } from "../../shared/pki/mod.ts";
import { echoServer, rig } from "../agents/_fixture.ts";
import { waitFor } from "../support/wait_for.ts";
import { tryTunnel } from "./_tls_client.ts";

Deno.test("connector refuses a tunneler whose certificate chains through an intermediate CA", async () => {
  await using echo = await echoServer();
  await using r = await rig({ forwards: "", resources: [`127.0.0.1:${echo.port}`] });
  const intermediate = await r.pki.forge("spiffe://postern.internal/controller/intermediate", [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
  ]);
  const leaf = await r.pki.forge("spiffe://postern.internal/tunneler/t1", [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ], intermediate);
  const outcome = await tryTunnel(
    r.connectorPort,
    { cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem },
    `127.0.0.1:${echo.port}`,
  );
  assert.equal(outcome.received, 0, "no TunnelReply for a leaf of an intermediate CA");
  const line = await waitFor(
    "the connector to log the refusal",
    () => Promise.resolve(r.connectorLog.find((l) => /WARN\s+refused peer/.test(l))),
    5_000,
    20,
  );
  assert.ok(line.includes("[2.1] x509: certificate signed by unknown authority"), line);
  assert.equal(r.listener.stats().sessions, 0);
});
