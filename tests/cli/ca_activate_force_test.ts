/**
 * `postern-controller ca activate` while an ONLINE tunneler does not trust the CA yet: exit 1 with
 * the API's 409 naming the tunneler, the signing CA unchanged; `--force` activates it.
 */
import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { type Cluster, connectorAndTunneler, startCluster } from "../agents/_cluster.ts";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { runCli } from "./_cli.ts";

function reports(c: Cluster, path: string, fp: string): Promise<true> {
  return waitFor(`${path} to report trusting ${fp}`, async () => {
    const r = await c.admin("GET", path);
    return (r.body?.trusted_ca_fingerprints ?? []).includes(fp) || undefined;
  }, 15_000);
}

Deno.test("ca activate exits 1 with the 409 while a tunneler lags, and --force activates", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const env = { ADMIN_API_URL: c.adminUrl, ADMIN_AUTH_TOKEN: c.adminToken };
    const { tunneler } = await connectorAndTunneler(c, "127.0.0.1:9");
    const prepare = async () => {
      const next = await createCa({ commonName: "Next CA" });
      await Deno.writeTextFile(`${dir.path}/next.crt`, next.certPem);
      await Deno.writeTextFile(`${dir.path}/next.key`, next.keyPem, { mode: 0o600 });
      const r = await runCli([
        "ca",
        "prepare",
        "--cert",
        `${dir.path}/next.crt`,
        "--key",
        `${dir.path}/next.key`,
      ], env);
      assert.equal(r.code, 0, r.stderr);
      return next.ca.fingerprint;
    };
    const signing = async () => {
      const r = await runCli(["ca", "show", "--json"], env);
      return JSON.parse(r.stdout).cas.find((ca: { signing: boolean }) => ca.signing).fingerprint;
    };
    // The tunneler's one early renewal a minute goes to the second CA; the third then lags.
    const second = await prepare();
    await reports(c, "/api/admin/tunnelers/t1", second);
    await tunneler.waitForLine("renewing early");
    const third = await prepare();
    await reports(c, "/api/admin/connectors/c1", third);

    const refused = await runCli(["ca", "activate", third], env);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `^postern-controller: CA ${third} is not yet trusted by 1 ONLINE agent: tunneler "t1"; .* \\(HTTP 409 from POST /api/admin/ca/rotate/activate\\)$`,
        "m",
      ),
    );
    assert.notEqual(await signing(), third);
    const forced = await runCli(["ca", "activate", third, "--force"], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`^${third}\\s+yes\\s+`, "m"));
    assert.equal(await signing(), third);
  } finally {
    await c.close();
  }
});
