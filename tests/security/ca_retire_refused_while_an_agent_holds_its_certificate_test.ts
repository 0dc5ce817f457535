/**
 * Attack surface: retiring a CA while an agent still holds a certificate it issued cuts that agent
 * off: the controller no longer trusts the certificate, so every renewal fails (`internal CA
 * mismatch during renewal`) until it expires. An operator (or a stolen admin key in a hurry) must
 * not do it by accident. A real connector renews every ~13 s; right after a renewal from the old
 * CA, activate the new CA and retire the old one: 409 naming the connector. After its next renewal
 * (from the new CA) the retire goes through. `force: true` skips the guard
 * (ca_retire_with_force_goes_through_while_an_agent_holds_its_certificate_test.ts).
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { prepareNextCa, startCluster } from "../agents/_cluster.ts";

Deno.test("ca retire is refused with 409 while an agent holds a certificate of that CA; it passes once the agent renewed", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { CONNECTOR_CERT_TTL: "20s" });
  try {
    const connector = await c.runConnector("c1", 0, {}, await c.token("connector", "c1"));
    const { previous: oldFp, next } = await prepareNextCa(c);
    const renewals = () => connector.lines.filter((l) => l.includes("certificate renewed")).length;
    const renewedAfter = (n: number, what: string) =>
      waitFor(what, () => Promise.resolve(renewals() > n || undefined), 30_000, 100, connector);

    // Right after a renewal from the old CA, the next one is ~13 s away.
    await renewedAfter(renewals(), "a renewal from the old CA");
    const activated = await c.admin("POST", "/api/admin/ca/rotate/activate", {
      fingerprint: next,
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
