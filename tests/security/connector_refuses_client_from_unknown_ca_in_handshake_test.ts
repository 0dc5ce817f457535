/**
 * Attack: a client presenting a certificate of another CA (a well-formed SVID of the same trust
 * domain, tunneler role, allowed id "t1") dials the connector. The connector must refuse it in
 * the TLS handshake: the client never gets a TunnelReply and the listener's admission never runs.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { rig } from "../agents/_fixture.ts";
import { waitFor } from "../support/wait_for.ts";
import { AFTER_HANDSHAKE, tryTunnel } from "./_tls_client.ts";

Deno.test("connector refuses a client certificate from an unknown CA in the TLS handshake", async () => {
  await using r = await rig({ forwards: "", resources: ["127.0.0.1:1"] });
  const foreign = await (await makeTestPki()).issue("tunneler", "t1");
  const outcome = await tryTunnel(r.connectorPort, { cert: foreign.certPem, key: foreign.keyPem });
  assert.equal(outcome.received, 0, "no TunnelReply reaches a client of an unknown CA");
  const line = await waitFor(
    "the connector to log the handshake refusal",
    () => Promise.resolve(r.connectorLog.find((l) => l.includes("refused peer in the TLS handshake"))),
    5_000,
    20,
  );
  // Deno reports the refusal only as a reset: the log names the likely cause with its id.
  assert.ok(line.includes("[2.1] x509: certificate signed by unknown authority"), line);
  // Refused before admission: the post-handshake check (which would say "refused peer") never ran.
  assert.ok(!r.connectorLog.some((l) => AFTER_HANDSHAKE.test(l)), r.connectorLog.join("\n"));
  assert.equal(r.listener.stats().sessions, 0);
});
