/**
 * Attack: a client without any certificate dials the connector's tunneler listener. The connector
 * must refuse it in the TLS handshake itself (requestCert + rejectUnauthorized), not complete the
 * handshake and close afterwards, and log why with the failure mode ([2.1]).
 */
import assert from "node:assert/strict";
import { rig } from "../agents/_fixture.ts";
import { waitFor } from "../support/wait_for.ts";
import { AFTER_HANDSHAKE, tryTunnel } from "./_tls_client.ts";

Deno.test("connector refuses a client without a certificate in the TLS handshake", async () => {
  await using r = await rig({ forwards: "", resources: ["127.0.0.1:1"] });
  const outcome = await tryTunnel(r.connectorPort, {});
  assert.equal(outcome.received, 0, "no TunnelReply (nor any byte) reaches a client without a certificate");
  // The handshake alert the runtime raises on the client when the server demands a certificate.
  assert.match(outcome.error ?? "", /CertificateRequired|certificate required/i, JSON.stringify(outcome));
  const line = await waitFor(
    "the connector to log the handshake refusal",
    () => Promise.resolve(r.connectorLog.find((l) => l.includes("refused peer in the TLS handshake"))),
    5_000,
    20,
  );
  assert.ok(
    line.includes("[2.1] x509: certificate signed by unknown authority (peer sent no certificate"),
    line,
  );
  // The listener's post-handshake admission never saw this client.
  assert.ok(!r.connectorLog.some((l) => AFTER_HANDSHAKE.test(l)), r.connectorLog.join("\n"));
  assert.equal(r.listener.stats().sessions, 0);
});
