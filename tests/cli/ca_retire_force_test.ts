/**
 * `postern-controller ca retire` while a connector holds a certificate of that CA: exit 1 with the
 * API's 409 naming the connector, the CA still trusted; `--force` retires it.
 */
import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { startCluster } from "../agents/_cluster.ts";
import { tempDir } from "../support/paths.ts";
import { runCli } from "./_cli.ts";

Deno.test("ca retire exits 1 with the 409 while a connector holds its certificate, and --force retires", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const env = { ADMIN_API_URL: c.adminUrl, ADMIN_AUTH_TOKEN: c.adminToken };
    await c.runConnector("c1", 0, {}, await c.token("connector", "c1"));
    const trusted = async (): Promise<string[]> =>
      JSON.parse((await runCli(["ca", "show", "--json"], env)).stdout).cas.map((
        ca: { fingerprint: string },
      ) => ca.fingerprint);
    const [old] = await trusted();
    const next = await createCa({ commonName: "Next CA" });
    await Deno.writeTextFile(`${dir.path}/next.crt`, next.certPem);
    await Deno.writeTextFile(`${dir.path}/next.key`, next.keyPem, { mode: 0o600 });
    for (
      const args of [
        ["ca", "prepare", "--cert", `${dir.path}/next.crt`, "--key", `${dir.path}/next.key`],
        ["ca", "activate", next.ca.fingerprint, "--force"],
      ]
    ) {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, r.stderr);
    }

    const refused = await runCli(["ca", "retire", old!], env);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `^postern-controller: CA ${old} issued the current certificate of 1 agent: connector "c1"; .* \\(HTTP 409 from POST /api/admin/ca/rotate/retire\\)$`,
        "m",
      ),
    );
    assert.ok((await trusted()).includes(old!));

    const forced = await runCli(["ca", "retire", old!, "--force"], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(await trusted(), [next.ca.fingerprint]);
  } finally {
    await c.close();
  }
});
