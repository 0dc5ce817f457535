/**
 * Attack surface: a CA the operator retired (say, its key leaked) must leave every agent. Renewals
 * used to add the controller's CAs to what an agent trusted and never drop one, so a tunneler kept
 * trusting a retired CA for as long as it ran. Here the tunneler has no connector (nothing but the
 * controller can tell it anything): after prepare, activate and retire, its stored bundle and the
 * bundle it uses hold the new CA alone.
 */
import assert from "node:assert/strict";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { createCa } from "../../shared/pki/ca.ts";
import { parseCertificate } from "../../shared/pki/verify.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { startCluster } from "../agents/_cluster.ts";

const TTL_S = 6;

Deno.test("a retired CA leaves a tunneler's trust bundle at its next renewal", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { TUNNELER_CERT_TTL: `${TTL_S}s` });
  try {
    const store = new IdentityStore(`${dir.path}/tunneler-t1`);
    const stored = async () => (await store.load()).bundle.fingerprints();
    const tunneler = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv("t1", freePort(), ""),
      ENROLLMENT_TOKEN: await c.token("tunneler"),
    });
    await tunneler.waitForLine("identity loaded", 20_000);
    const [oldFp] = await stored();
    const next = await createCa({ commonName: "Next CA" });
    const newFp = next.ca.fingerprint;
    const step = async (name: string, body: unknown) => {
      const r = await c.admin("POST", `/api/admin/ca/rotate/${name}`, body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    const within = TTL_S * 3_000;

    await step("prepare", { cert_pem: next.certPem, key_pem: next.keyPem });
    await waitFor(
      "the tunneler to trust both CAs",
      async () => {
        const fps = await stored();
        return fps.includes(oldFp!) && fps.includes(newFp) || undefined;
      },
      within,
      100,
      tunneler,
    );

    await step("activate", { fingerprint: newFp });
    await waitFor(
      "a tunneler certificate from the new CA",
      async () => {
        const cert = parseCertificate((await store.load()).svid.certPem);
        return cert.issuer === next.ca.certificate.subject || undefined;
      },
      within,
      100,
      tunneler,
    );

    const before = tunneler.lines.length;
    await step("retire", { fingerprint: oldFp });
    await waitFor(
      "the retired CA to leave the tunneler's stored bundle",
      async () => {
        return !(await stored()).includes(oldFp!) || undefined;
      },
      within,
      100,
      tunneler,
    );
    assert.deepEqual(await stored(), [newFp]);
    // The bundle in use changed too (the log line comes from the swap, not from the file).
    const updated = tunneler.lines.slice(before).find((l) => l.includes("trust bundle updated"));
    assert.ok(updated?.includes(newFp) && !updated.includes(oldFp!), tunneler.lines.slice(before).join("\n"));
  } finally {
    await c.close();
  }
});
