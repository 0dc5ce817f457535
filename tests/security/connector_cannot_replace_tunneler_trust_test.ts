/**
 * Attack: a connector (a real enrolled connector identity, turned hostile) sends an attacker CA in
 * its HeartbeatAck, hoping the tunneler trusts it and then accepts a connector certificate signed
 * by that CA. The tunneler must not change its trust: no `trust bundle updated`, nothing written
 * to its state directory, and the attacker-signed certificate is refused before any byte is sent.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { startCluster } from "../agents/_cluster.ts";
import { startFakeConnector } from "./_fake_connector.ts";

Deno.test("a connector's HeartbeatAck cannot make a tunneler trust an attacker CA", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    // A genuinely enrolled connector identity, now in the attacker's hands.
    const enrollEnv = { ...c.connectorEnv("c1", freePort()), ENROLLMENT_TOKEN: await c.token("connector") };
    const enroll = c.start("connector", ["enroll"], enrollEnv);
    assert.equal(await enroll.exited, 0, enroll.lines.join("\n"));
    const stolen = await new IdentityStore(`${dir.path}/connector-c1`).load();
    const controllerCa = stolen.bundle.fingerprints();

    const attacker = await makeTestPki();
    const attackerFp = attacker.ca.fingerprint;
    const forged = await attacker.issue("connector", "c1", { ipSans: ["127.0.0.1"] });
    await using fake = await startFakeConnector(stolen.svid.certPem, stolen.svid.keyPem, {
      heartbeatIntervalMs: 200,
      trustBundlePem: [attacker.caPem],
      controllerBundleFingerprints: [attackerFp],
    });

    const fwdPort = freePort();
    const tunnelerEnv = c.tunnelerEnv("t1", fake.port, `127.0.0.1:${fwdPort}=127.0.0.1:9`);
    const tunneler = c.start("tunneler", ["run"], {
      ...tunnelerEnv,
      ENROLLMENT_TOKEN: await c.token("tunneler"),
    });
    // Three heartbeats at the acked 200 ms interval: the tunneler has read several hostile acks.
    await waitFor(
      "three tunneler heartbeats",
      () => Promise.resolve(fake.heartbeats.length >= 3 || undefined),
      20_000,
      50,
      tunneler,
    );

    assert.ok(!tunneler.lines.some((l) => l.includes("trust bundle updated")), tunneler.lines.join("\n"));
    const stored = (await new IdentityStore(`${dir.path}/tunneler-t1`).load()).bundle;
    assert.deepEqual(stored.fingerprints(), controllerCa);
    // What the tunneler reports trusting (the controller shows it) is still the controller's CA only.
    assert.deepEqual(fake.heartbeats.at(-1)!.trustedCaFingerprints, controllerCa);

    // The attacker now serves a certificate of its own CA: the tunneler refuses it, no byte arrives.
    fake.switchCertificate(forged.certPem, forged.keyPem);
    const client = net.connect({ host: "127.0.0.1", port: fwdPort });
    client.on("error", () => {});
    client.write("application secret");
    await tunneler.waitForLine(/tunnel refused.*certificate signed by unknown authority/, 15_000);
    client.destroy();
    await fake.allClosed();
    assert.equal(fake.bytesAfterHandshake.get(forged.certPem) ?? 0, 0);
    assert.ok(!tunneler.lines.some((l) => l.includes("trust bundle updated")), tunneler.lines.join("\n"));
  } finally {
    await c.close();
  }
});
