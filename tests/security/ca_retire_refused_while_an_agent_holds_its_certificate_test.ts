/**
 * Attack surface: retiring a CA while an agent still holds a certificate it issued cuts that agent
 * off: the controller no longer trusts the certificate, so every renewal fails (`internal CA
 * mismatch during renewal`) until it expires. An operator (or a stolen admin key in a hurry) must
 * not do it by accident. A real connector renews every ~13 s; right after a renewal from the old
 * CA, activate the new CA and retire the old one: 409 naming the connector. After its next renewal
 * (from the new CA) the retire goes through. `force: true` skips the guard.
 */
import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { startCluster } from "../agents/_cluster.ts";

Deno.test("ca retire is refused with 409 while an agent holds a certificate of that CA; it passes once the agent renewed", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { CONNECTOR_CERT_TTL: "20s" });
  try {
    const connector = c.start("connector", ["run"], {
      ...c.connectorEnv("c1", 0, { CONNECTOR_LISTEN_ADDR: "127.0.0.1:0" }),
      ENROLLMENT_TOKEN: await c.token("connector", "c1"),
    });
    await connector.waitForLine("control-plane stream connected", 20_000);
    const oldFp = (await c.admin("GET", "/api/admin/ca")).body.cas[0].fingerprint as string;
    const next = await createCa({ commonName: "Next CA" });
    const prepared = await c.admin("POST", "/api/admin/ca/rotate/prepare", {
      cert_pem: next.certPem,
      key_pem: next.keyPem,
    });
    assert.equal(prepared.status, 200, JSON.stringify(prepared.body));
    const renewals = () => connector.lines.filter((l) => l.includes("certificate renewed")).length;
    const renewedAfter = (n: number, what: string) =>
      waitFor(what, () => Promise.resolve(renewals() > n || undefined), 30_000, 100, connector);

    // Right after a renewal from the old CA, the next one is ~13 s away.
    await renewedAfter(renewals(), "a renewal from the old CA");
    const activated = await c.admin("POST", "/api/admin/ca/rotate/activate", {
      fingerprint: next.ca.fingerprint,
      force: true,
    });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    const retire = (extra = {}) =>
      c.admin("POST", "/api/admin/ca/rotate/retire", { fingerprint: oldFp, ...extra });
    const refused = await retire();
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(
      refused.body.error,
      `CA ${oldFp} issued the current certificate of 1 agent: connector "c1"; wait until they renew from the signing CA (at least one full certificate lifetime after activate) or pass "force": true`,
    );
    assert.equal((await retire({ force: "yes" })).status, 400);
    const cas = (await c.admin("GET", "/api/admin/ca")).body.cas.map((x: { fingerprint: string }) =>
      x.fingerprint
    );
    assert.ok(cas.includes(oldFp), "the refused retire changed nothing");

    // Its next certificate comes from the new CA: nothing holds the old one any more.
    await renewedAfter(renewals(), "a renewal from the new CA");
    const retired = await retire();
    assert.equal(retired.status, 200, JSON.stringify(retired.body));
    await renewedAfter(renewals(), "a renewal after the retirement");
    assert.equal(await c.status("connectors", "c1"), "ONLINE");
  } finally {
    await c.close();
  }
});

Deno.test("ca retire with force: true goes through while an agent holds a certificate of that CA", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const connector = c.start("connector", ["run"], {
      ...c.connectorEnv("c1", 0, { CONNECTOR_LISTEN_ADDR: "127.0.0.1:0" }),
      ENROLLMENT_TOKEN: await c.token("connector", "c1"),
    });
    await connector.waitForLine("control-plane stream connected", 20_000);
    const oldFp = (await c.admin("GET", "/api/admin/ca")).body.cas[0].fingerprint as string;
    const next = await createCa({ commonName: "Next CA" });
    const step = async (name: string, body: Record<string, unknown>) => {
      const r = await c.admin("POST", `/api/admin/ca/rotate/${name}`, body);
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
    };
    await step("prepare", { cert_pem: next.certPem, key_pem: next.keyPem });
    await step("activate", { fingerprint: next.ca.fingerprint, force: true });
    const refused = await c.admin("POST", "/api/admin/ca/rotate/retire", { fingerprint: oldFp });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    await step("retire", { fingerprint: oldFp, force: true });
    const cas = (await c.admin("GET", "/api/admin/ca")).body.cas.map((x: { fingerprint: string }) =>
      x.fingerprint
    );
    assert.deepEqual(cas, [next.ca.fingerprint]);
  } finally {
    await c.close();
  }
});
