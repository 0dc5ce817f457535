/**
 * Attack surface: activating a CA that ONLINE agents do not trust yet makes every certificate it
 * signs fail their renewal (4.2) and their peers' handshakes; an operator (or a stolen admin key
 * in a hurry) must not do it by accident. Real connector and tunneler processes report the CAs
 * they trust; `POST /api/admin/ca/rotate/activate` answers 409 naming the lagging agent until it
 * trusts the CA, and goes through with `force: true`.
 */
import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { type Cluster, connectorAndTunneler, startCluster } from "../agents/_cluster.ts";

/** Waits until the agent reports trusting every CA of `fps`. */
function reports(c: Cluster, path: string, fps: string[]): Promise<true> {
  return waitFor(`${path} to report trusting ${fps.join(", ")}`, async () => {
    const r = await c.admin("GET", path);
    const trusted: string[] = r.body?.trusted_ca_fingerprints ?? [];
    return fps.every((f) => trusted.includes(f)) || undefined;
  }, 15_000);
}

Deno.test("ca activate is refused with 409 while an ONLINE agent lags; force: true goes through", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const { tunneler } = await connectorAndTunneler(c, "127.0.0.1:9");
    const first = (await c.admin("GET", "/api/admin/ca")).body.cas[0].fingerprint as string;
    await reports(c, "/api/admin/tunnelers/t1", [first]);
    const prepare = async () => {
      const next = await createCa({ commonName: "Next CA" });
      const r = await c.admin("POST", "/api/admin/ca/rotate/prepare", {
        cert_pem: next.certPem,
        key_pem: next.keyPem,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return next.ca.fingerprint;
    };
    const activate = (fingerprint: string, extra = {}) =>
      c.admin("POST", "/api/admin/ca/rotate/activate", { fingerprint, ...extra });
    const signing = async () =>
      (await c.admin("GET", "/api/admin/ca")).body.cas.find((ca: { signing: boolean }) => ca.signing)
        .fingerprint;

    // A CA every ONLINE agent trusts activates: the connector got it over the control stream, the
    // tunneler renewed early from the controller on its connector's hint.
    const second = await prepare();
    await reports(c, "/api/admin/connectors/c1", [second]);
    await reports(c, "/api/admin/tunnelers/t1", [second]);
    await tunneler.waitForLine("renewing early");
    const ok = await activate(second);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));

    // The next CA: the connector trusts it at once, the tunneler not before its next renewal (early
    // renewals are granted at most once a minute, and it had one just now).
    const third = await prepare();
    await reports(c, "/api/admin/connectors/c1", [third]);
    const refused = await activate(third);
    assert.equal(refused.status, 409);
    assert.equal(
      refused.body.error,
      `CA ${third} is not yet trusted by 1 ONLINE agent: tunneler "t1"; wait until they renew (GET /api/admin/connectors and /api/admin/tunnelers show trusted_ca_fingerprints) or pass "force": true`,
    );
    assert.equal(await signing(), second);
    const badForce = await activate(third, { force: "yes" });
    assert.equal(badForce.status, 400);

    const forced = await activate(third, { force: true });
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.equal(await signing(), third);
  } finally {
    await c.close();
  }
});
