/**
 * Failure mode 2.2: the connector's certificate lacks the IP the tunneler dials. Postern prevents
 * it at the source: a connector enrolls with CONNECTOR_PRIVATE_IP as an IP SAN (the tunneler's
 * doctor sees it). Forced, with an SVID of the right CA and id but no IP SANs served where the
 * tunneler dials, the tunneler refuses it (`x509: cannot validate certificate for 127.0.0.1
 * because it doesn't contain any IP SANs`) and sends no byte; doctor fails 2.2 for the tunneler,
 * and for a connector whose CONNECTOR_PRIVATE_IP no longer matches its stored certificate.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { countingSink, startCluster } from "../agents/_cluster.ts";
import { roundTrip } from "../agents/_fixture.ts";
import { startFakeConnector } from "../security/_fake_connector.ts";
import { issueFromCa } from "./_cluster_ca.ts";
import { assertSymptom, doctorJson, failed, passed } from "./_symptom.ts";

const SYMPTOM = "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs";

Deno.test(`2.2 a connector certificate without the dialed IP is refused with "[2.2] ${SYMPTOM}"; enrolled connectors carry it`, async () => {
  await using dir = await tempDir();
  const sink = await countingSink();
  const c = await startCluster(dir.path);
  try {
    const resource = `127.0.0.1:${sink.port}`;
    const listenPort = freePort();
    await c.runConnector("c1", listenPort, {}, await c.token("connector", "c1"));
    await c.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] });
    await c.admin("PUT", "/api/admin/connectors/c1/resources", { resources: [resource] });

    // Forced: the same CA and id, no IP SAN, where the tunneler dials.
    const bare = await issueFromCa(c.caCert, c.caKey, "spiffe://postern.internal/connector/c1");
    await using fake = await startFakeConnector(bare.certPem, bare.keyPem, {
      heartbeatIntervalMs: 200,
      trustBundlePem: [],
      controllerBundleFingerprints: [],
    });
    const fwdPort = freePort();
    const env = c.tunnelerEnv("t1", fake.port, `127.0.0.1:${fwdPort}=${resource}`, {}, "c1");
    const tunneler = c.start("tunneler", ["run"], {
      ...env,
      ENROLLMENT_TOKEN: await c.token("tunneler", "t1"),
    });
    const refused = await tunneler.waitForLine("doesn't contain any IP SANs", 30_000);
    assert.ok(refused.includes(SYMPTOM), refused);
    await tunneler.waitForLine("forward listening", 10_000);
    const got = await roundTrip(fwdPort, new TextEncoder().encode("secret")).catch(() => new Uint8Array());
    assert.deepEqual(got.length, 0);
    assert.deepEqual(sink.received(), 0);
    assert.deepEqual([...fake.bytesAfterHandshake.values()].reduce((a, b) => a + b, 0), 0);

    const doctor = await doctorJson("tunneler", env);
    assert.deepEqual(doctor.code, 1);
    assert.ok(failed(doctor.findings, "2.2").what.includes(SYMPTOM), JSON.stringify(doctor.findings));
    // The enrolled connector does carry its IP: doctor pointed at it passes 2.2.
    const real = await doctorJson("tunneler", { ...env, CONNECTOR_ADDR: `c1@127.0.0.1:${listenPort}` });
    assert.ok(
      passed(real.findings, "2.2").what.includes("with IP SAN 127.0.0.1"),
      JSON.stringify(real.findings),
    );
    // A connector whose configured IP moved away from its stored certificate: doctor fails 2.2.
    const moved = await doctorJson("connector", {
      ...c.connectorEnv("c1", listenPort),
      CONNECTOR_PRIVATE_IP: "127.0.0.2",
    });
    assert.ok(failed(moved.findings, "2.2").what.includes("127.0.0.2"), JSON.stringify(moved.findings));
    const same = await doctorJson("connector", c.connectorEnv("c1", listenPort));
    passed(same.findings, "2.2");

    assertSymptom(tunneler.lines, "2.2", SYMPTOM);
  } finally {
    await c.close();
    await sink.close();
  }
});
