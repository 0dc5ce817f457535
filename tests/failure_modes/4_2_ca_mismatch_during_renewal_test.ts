/**
 * Failure mode 4.2: the controller rotates its CA but the agent holds a stale one. Postern
 * prevents it when the runbook (docs/ca-rotation.md) is followed: prepare pushes the new CA to the
 * agents, activate is refused (409) until every ONLINE agent trusts it, retire drops the old one;
 * through all of it both agents renew, stay ONLINE, never log a mismatch, and the tunnel works.
 * Forced (a controller that agent trusts signs the renewal with a CA the agent does not trust),
 * the renewal is refused with `internal CA mismatch during renewal`, the agent keeps its working
 * certificate and bundle, and doctor fails 4.2 when CONTROLLER_CA_PATH shares no CA with the
 * stored bundle.
 */
import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { TrustBundle } from "../../shared/pki/bundle.ts";
import { verifySvid } from "../../shared/pki/verify.ts";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";
import { prepareTunneler, startRenewalStub } from "../support/stub_controller.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { echoServer, roundTripText } from "../agents/_fixture.ts";
import { assertSymptom, doctorJson, failed, passed } from "./_symptom.ts";

const SYMPTOM = "internal CA mismatch during renewal";

Deno.test("4.2 prevented: a CA rotation by the runbook causes no mismatch; agents renew onto the new CA and stay ONLINE", async () => {
  await using dir = await tempDir();
  await using echo = await echoServer();
  const c = await startCluster(dir.path, { CONNECTOR_CERT_TTL: "6s", TUNNELER_CERT_TTL: "6s" });
  try {
    const { connector, tunneler, fwdPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
    const oldFp = (await c.admin("GET", "/api/admin/ca")).body.cas[0].fingerprint as string;
    const next = await createCa({ commonName: "Next CA" });
    const prep = await c.admin("POST", "/api/admin/ca/rotate/prepare", {
      cert_pem: next.certPem,
      key_pem: next.keyPem,
    });
    assert.deepEqual(prep.status, 200, JSON.stringify(prep.body));
    // Activate is refused until every ONLINE agent trusts the new CA: retry as the runbook says.
    await waitFor(
      "activate to be accepted",
      async () => {
        const r = await c.admin("POST", "/api/admin/ca/rotate/activate", {
          fingerprint: next.ca.fingerprint,
        });
        assert.ok(r.status === 200 || r.status === 409, JSON.stringify(r.body));
        return r.status === 200 || undefined;
      },
      30_000,
      500,
    );
    // "Wait one more certificate TTL": seen as each agent's stored certificate issued by the new CA.
    const issuedByNext = async (stateDir: string) => {
      const { svid } = await new IdentityStore(stateDir).load().catch(() => ({ svid: undefined }));
      if (!svid) return false;
      return await verifySvid(svid.certPem, TrustBundle.fromPem(next.certPem), {
        trustDomain: "postern.internal",
      })
        .then(() => true, () => false);
    };
    await waitFor(
      "both agents to hold a certificate of the new CA",
      async () =>
        (await issuedByNext(`${dir.path}/connector-c1`)) && (await issuedByNext(`${dir.path}/tunneler-t1`)) ||
        undefined,
      30_000,
      200,
      connector,
    );
    const renewals = () =>
      [connector, tunneler].map((p) => p.lines.filter((l) => l.includes("certificate renewed")).length);
    const renewedSince = async (before: number[], what: string) =>
      await waitFor(
        what,
        () => Promise.resolve(renewals().every((n, i) => n > before[i]!) || undefined),
        30_000,
        200,
        connector,
      );
    const retire = await c.admin("POST", "/api/admin/ca/rotate/retire", { fingerprint: oldFp });
    assert.deepEqual(retire.status, 200, JSON.stringify(retire.body));
    await renewedSince(renewals(), "a renewal of each agent after the retirement");
    for (const [role, id] of [["connectors", "c1"], ["tunnelers", "t1"]] as const) {
      assert.deepEqual(await c.status(role, id), "ONLINE");
    }
    for (const p of [connector, tunneler]) {
      assert.ok(!p.lines.some((l) => l.includes(SYMPTOM)), p.lines.join("\n"));
      assert.deepEqual(p.lines.filter((l) => l.includes("enrolling")).length, 1);
    }
    assert.deepEqual(
      await roundTripText(fwdPort, "x"),
      "xbye",
    );
    // The agent's ca.crt is the old CA now: doctor says so (the stored bundle holds only the new one).
    const doctor = await doctorJson("connector", c.connectorEnv("c1", 0));
    assert.ok(
      failed(doctor.findings, "4.2").remedy.includes("CONTROLLER_CA_PATH"),
      JSON.stringify(doctor.findings),
    );
    await Deno.writeTextFile(`${dir.path}/next-ca.crt`, next.certPem);
    const fixed = await doctorJson("connector", {
      ...c.connectorEnv("c1", 0),
      CONTROLLER_CA_PATH: `${dir.path}/next-ca.crt`,
    });
    passed(fixed.findings, "4.2");
  } finally {
    await c.close();
  }
});

Deno.test(`4.2 forced: a renewal signed by a CA the agent does not trust fails with "[4.2] ${SYMPTOM}"; certificate and bundle are kept`, async () => {
  await using dir = await tempDir();
  const a = await makeTestPki();
  const b = await makeTestPki();
  // A controller the agent trusts (CA A) whose renewals are signed by CA B, bundle B.
  const stub = await startRenewalStub({ tls: a, signer: b.ca, bundlePem: [b.caPem] });
  const { svid, store, env } = await prepareTunneler(dir.path, a, stub.port, 3_000);
  const tunneler = startProgram("tunneler", { args: ["run"], env });
  try {
    const line = await tunneler.waitForLine(SYMPTOM, 15_000);
    assert.ok(
      line.includes("certificate renewal failed") && line.includes("keeping the current certificate"),
      line,
    );
    assert.ok(!tunneler.lines.some((l) => l.includes("certificate renewed")), tunneler.lines.join("\n"));
    assert.deepEqual((await store.load()).svid.certPem, svid.certPem);
    assert.deepEqual((await store.load()).bundle.fingerprints(), a.bundle.fingerprints());
    // doctor: the stored bundle against a CONTROLLER_CA_PATH of another CA.
    await Deno.writeTextFile(`${dir.path}/b.crt`, b.caPem);
    const doctor = await doctorJson("tunneler", { ...env, CONTROLLER_CA_PATH: `${dir.path}/b.crt` });
    assert.ok(
      failed(doctor.findings, "4.2").what.includes("internal CA mismatch"),
      JSON.stringify(doctor.findings),
    );
    assertSymptom(tunneler.lines, "4.2", SYMPTOM);
  } finally {
    await tunneler.stop();
    await stub.close();
  }
});
