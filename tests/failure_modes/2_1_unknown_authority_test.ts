/**
 * Failure mode 2.1: a peer of another CA. A client certificate of a foreign CA is refused by the
 * connector in the TLS handshake (it logs `x509: certificate signed by unknown authority` with
 * the id) while an enrolled tunneler's tunnel keeps working; an agent whose CONTROLLER_CA_PATH
 * holds a foreign CA cannot enroll (the controller's certificate is of an unknown authority), its
 * token is not consumed, and doctor fails 2.1 on the controller dial.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { echoServer, roundTrip } from "../agents/_fixture.ts";
import { tryTunnel } from "../security/_tls_client.ts";
import { assertLine, assertSymptom, doctorJson, failed, runToExit } from "./_symptom.ts";

const SYMPTOM = "x509: certificate signed by unknown authority";

Deno.test(`2.1 a peer of another CA is refused with "[2.1] ${SYMPTOM}" at the connector and the controller; other sessions and the token survive`, async () => {
  await using dir = await tempDir();
  await using echo = await echoServer();
  const c = await startCluster(dir.path);
  try {
    const resource = `127.0.0.1:${echo.port}`;
    const { connector, fwdPort, listenPort } = await connectorAndTunneler(c, resource);
    const bytes = new TextEncoder().encode("ping");
    assert.deepEqual(new TextDecoder().decode(await roundTrip(fwdPort, bytes)), "pingbye");

    // A foreign CA's tunneler certificate for the allowed id t1: refused in the handshake.
    const foreignPki = await makeTestPki();
    const foreign = await foreignPki.issue("tunneler", "t1");
    const outcome = await tryTunnel(listenPort, { cert: foreign.certPem, key: foreign.keyPem }, resource);
    assert.deepEqual(outcome.received, 0);
    const refusal = await connector.waitForLine("refused peer in the TLS handshake", 10_000);
    assert.ok(refusal.includes(SYMPTOM), refusal);
    // The enrolled tunneler's tunnel is not disturbed.
    assert.deepEqual(new TextDecoder().decode(await roundTrip(fwdPort, bytes)), "pingbye");

    // An agent that trusts another CA: the controller is of an unknown authority to it.
    await Deno.writeTextFile(`${dir.path}/foreign-ca.crt`, foreignPki.caPem);
    const token = await c.token("tunneler", "t2");
    const env = c.tunnelerEnv("t2", listenPort, "", { ENROLLMENT_TOKEN: token });
    const refused = await runToExit("tunneler", ["enroll"], {
      ...env,
      CONTROLLER_CA_PATH: `${dir.path}/foreign-ca.crt`,
    });
    assert.ok(refused.code !== 0, refused.lines.join("\n"));
    assertLine(refused.lines, SYMPTOM);
    const doctor = await doctorJson("tunneler", { ...env, CONTROLLER_CA_PATH: `${dir.path}/foreign-ca.crt` });
    assert.deepEqual(doctor.code, 1);
    assert.ok(failed(doctor.findings, "2.1").what.includes(SYMPTOM), JSON.stringify(doctor.findings));
    // The token never reached the controller's enrollment: with the right CA it enrolls.
    const enrolled = await runToExit("tunneler", ["enroll"], env);
    assert.deepEqual(enrolled.code, 0, enrolled.lines.join("\n"));

    assert.ok(refusal.includes(`[2.1] ${SYMPTOM}`), refusal);
    assertSymptom(refused.lines, "2.1", SYMPTOM);
  } finally {
    await c.close();
  }
});
