/**
 * With ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE the admin API speaks HTTPS only: a client that
 * trusts the issuing CA gets answers, one that does not is refused in the handshake, and plain
 * HTTP on the same port gets no answer: the bearer token never crosses in clear.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { prepareController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";

Deno.test("controller with ADMIN_TLS_CERT_FILE/KEY_FILE serves the admin API over HTTPS and not plain HTTP", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const pki = await makeTestPki();
  const server = await pki.issue("controller", "admin-api", { ipSans: ["127.0.0.1"] });
  const certPath = `${d.path}/admin.crt`;
  const keyPath = `${d.path}/admin.key`;
  await Deno.writeTextFile(certPath, server.certPem);
  await Deno.writeTextFile(keyPath, server.keyPem, { mode: 0o600 });
  const port = new URL(controller.adminUrl).port;
  const p = startProgram("controller", {
    args: ["serve"],
    env: { ...controller.env, ADMIN_TLS_CERT_FILE: certPath, ADMIN_TLS_KEY_FILE: keyPath },
  });
  const client = Deno.createHttpClient({ caCerts: [pki.caPem] });
  try {
    const https = `https://127.0.0.1:${port}`;
    const ready = await waitFor(
      "the controller over HTTPS",
      async () => {
        const r = await fetch(`${https}/readyz`, { client }).catch(() => undefined);
        if (!r) return undefined;
        const body = await r.json();
        return r.ok ? body : undefined;
      },
      20_000,
      100,
      p,
    );
    assert.equal(ready.status, "ready");
    const cas = await fetch(`${https}/api/admin/ca`, {
      client,
      headers: { authorization: `Bearer ${controller.adminToken}` },
    });
    assert.equal(cas.status, 200);
    assert.equal((await cas.json()).cas.length, 1);
    // A client that does not trust the admin API's CA is refused in the handshake.
    await assert.rejects(fetch(`${https}/healthz`));
    // Plain HTTP on the same port gets no HTTP answer.
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => "no answer");
    assert.notEqual(plain, 200);
    assert.ok(
      p.lines.some((l) => l.includes("controller serving") && l.includes("admin_tls")),
      p.lines.join("\n"),
    );
  } finally {
    client.close();
    await p.stop();
  }
});
