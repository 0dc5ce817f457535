/**
 * A CA private key must never pass through the UI: a logged-in operator's browser (or a script
 * in it) posting `POST /api/admin/ca/rotate/prepare` with `{cert_pem, key_pem}` to the UI gets 403,
 * and the real controller behind it never sees the request (its CA bundle is unchanged). Before,
 * the UI forwarded it, and over loopback the controller accepted it.
 */
import { createCa } from "../../shared/pki/ca.ts";
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { startStack } from "../ui/_stack.ts";
import { uiLogin } from "../support/ui_session.ts";

Deno.test("the UI refuses POST /api/admin/ca/rotate/prepare and the controller's CA bundle stays as it was", async () => {
  await using dir = await tempDir("postern-ui-ca-");
  const stack = await startStack(dir.path);
  try {
    const before = await stack.admin("GET", "/api/admin/ca");
    assert.deepEqual(before.status, 200);

    const { cookie, csrf } = await uiLogin(stack.uiUrl, stack.password);

    const next = await createCa({ commonName: "Attacker's next CA" });
    const headers = { cookie, "x-csrf-token": csrf, "content-type": "application/json" };
    const prepare = await fetch(`${stack.uiUrl}/api/admin/ca/rotate/prepare`, {
      method: "POST",
      headers,
      body: JSON.stringify({ cert_pem: next.certPem, key_pem: next.keyPem }),
    });
    assert.deepEqual(prepare.status, 403);
    assert.match((await prepare.json()).error, /CA rotation is not done through the UI/);
    for (const step of ["activate", "retire"]) {
      const res = await fetch(`${stack.uiUrl}/api/admin/ca/rotate/${step}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ fingerprint: "00" }),
      });
      assert.deepEqual(res.status, 403, step);
      await res.body?.cancel();
    }
    await stack.ui.waitForLine("refused a CA write through the UI");

    assert.deepEqual(await stack.admin("GET", "/api/admin/ca"), before);
    const viaUi = await fetch(`${stack.uiUrl}/api/admin/ca`, { headers: { cookie } });
    assert.deepEqual([viaUi.status, await viaUi.json()], [200, before.body], "reading the CA still works");
  } finally {
    await stack.stop();
  }
});
