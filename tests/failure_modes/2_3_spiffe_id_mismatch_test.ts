/**
 * Failure mode 2.3: a peer whose SPIFFE ID is of another trust domain or role. Served where the
 * tunneler dials its connector (signed by the right CA, holding the dialed IP), an SVID of
 * another trust domain is refused with `SPIFFE trust domain mismatch` and no byte is sent; a
 * connector-role SVID presented to the connector as a tunneler is refused in the handshake with
 * `unexpected SPIFFE role` while the allowed tunneler's tunnel keeps working. An agent configured with another TRUST_DOMAIN
 * than the controller's cannot enroll (the controller is of another trust domain to it), its
 * token survives, and doctor fails 2.3.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { connectorAndTunneler, countingSink, startCluster } from "../agents/_cluster.ts";
import { roundTrip } from "../agents/_fixture.ts";
import { tryTunnel } from "../security/_tls_client.ts";
import { waitFor } from "../support/wait_for.ts";
import { startFakeConnector } from "../security/_fake_connector.ts";
import { issueFromCa } from "./_cluster_ca.ts";
import { assertLine, assertSymptom, doctorJson, failed, runToExit } from "./_symptom.ts";

Deno.test('2.3 a peer of another trust domain or role is refused with "[2.3] SPIFFE trust domain mismatch" / "[2.3] unexpected SPIFFE role"', async () => {
  await using dir = await tempDir();
  const sink = await countingSink();
  const c = await startCluster(dir.path);
  try {
    const resource = `127.0.0.1:${sink.port}`;
    const cases = [["spiffe://other.internal/connector/c1", "SPIFFE trust domain mismatch"]] as const;
    const seen: [string[], string][] = [];
    for (const [i, [uri, symptom]] of cases.entries()) {
      const svid = await issueFromCa(c.caCert, c.caKey, uri, ["127.0.0.1"]);
      await using fake = await startFakeConnector(svid.certPem, svid.keyPem, {
        heartbeatIntervalMs: 200,
        trustBundlePem: [],
        controllerBundleFingerprints: [],
      });
      const id = `t${i + 1}`;
      const env = c.tunnelerEnv(id, fake.port, `127.0.0.1:${freePort()}=${resource}`, {}, "c1");
      const tunneler = c.start("tunneler", ["run"], {
        ...env,
        ENROLLMENT_TOKEN: await c.token("tunneler", id),
      });
      const line = await tunneler.waitForLine(symptom, 30_000);
      assert.ok(line.includes(uri.split("/").slice(0, 4).join("/")) || line.includes(symptom), line);
      const doctor = await doctorJson("tunneler", env);
      assert.deepEqual(doctor.code, 1);
      assert.ok(failed(doctor.findings, "2.3").what.includes(symptom), JSON.stringify(doctor.findings));
      await tunneler.stop();
      assert.deepEqual([...fake.bytesAfterHandshake.values()].reduce((a, b) => a + b, 0), 0);
      seen.push([tunneler.lines, symptom]);
    }
    assert.deepEqual(sink.received(), 0);

    // A connector's SVID presented to a connector as its client: the wrong role, refused in the handshake.
    const { connector, fwdPort, listenPort } = await connectorAndTunneler(c, resource, { tunnelerId: "t5" });
    const other = await issueFromCa(c.caCert, c.caKey, "spiffe://postern.internal/connector/c2", [
      "127.0.0.1",
    ]);
    const outcome = await tryTunnel(listenPort, { cert: other.certPem, key: other.keyPem }, resource);
    assert.deepEqual(outcome.received, 0);
    const roleLine = await connector.waitForLine("unexpected SPIFFE role", 10_000);
    assert.ok(roleLine.includes('got \\"connector\\"') || roleLine.includes('got "connector"'), roleLine);
    const before = sink.received();
    await roundTrip(fwdPort, new TextEncoder().encode("ping"));
    await waitFor(
      "the allowed tunnel to deliver",
      () => Promise.resolve(sink.received() >= before + 4 || undefined),
      10_000,
    );
    seen.push([connector.lines, "unexpected SPIFFE role"]);

    // An agent of another trust domain: the controller's SVID is of a trust domain it does not expect.
    const token = await c.token("connector", "c9");
    const env = c.connectorEnv("c9", freePort(), { ENROLLMENT_TOKEN: token });
    const refused = await runToExit("connector", ["enroll"], { ...env, TRUST_DOMAIN: "other.internal" });
    assert.ok(refused.code !== 0, refused.lines.join("\n"));
    assertLine(refused.lines, "SPIFFE trust domain mismatch");
    const doctor = await doctorJson("connector", { ...env, TRUST_DOMAIN: "other.internal" });
    assert.ok(
      failed(doctor.findings, "2.3").what.includes("SPIFFE trust domain mismatch"),
      JSON.stringify(doctor.findings),
    );
    const enrolled = await runToExit("connector", ["enroll"], env);
    assert.deepEqual(enrolled.code, 0, enrolled.lines.join("\n"));

    for (const [lines, symptom] of seen) assertSymptom(lines, "2.3", symptom);
    assertSymptom(refused.lines, "2.3", "SPIFFE trust domain mismatch");
  } finally {
    await c.close();
    await sink.close();
  }
});
