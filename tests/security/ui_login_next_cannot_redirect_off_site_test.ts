/**
 * Open redirect via the login page's `next`: `/%5Cevil.example` decodes to `/\evil.example`, which
 * browsers read as `//evil.example`. After the right password the UI must stay on its own site.
 */
import assert from "node:assert/strict";
import { startUi } from "./_ui.ts";

const OFF_SITE = [
  "/%5Cevil.example",
  "/\\evil.example",
  "//evil.example",
  "/%2F%2Fevil.example",
  "/\t/evil.example",
];

Deno.test("POST /login never redirects off site, whatever `next` says", async () => {
  const ui = await startUi();
  try {
    for (const next of OFF_SITE) {
      const res = await ui.login({ password: ui.password, next });
      await res.body?.cancel();
      assert.deepEqual([res.status, res.headers.get("location")], [303, "/"], `next=${JSON.stringify(next)}`);
    }
    const page = await ui.request(`/login?next=${encodeURIComponent("/%5Cevil.example")}`);
    assert.match(await page.text(), /<input type="hidden" name="next" value="\/"\/>/);
    const ok = await ui.login({ password: ui.password, next: "/events?kind=token.created" });
    await ok.body?.cancel();
    assert.deepEqual(ok.headers.get("location"), "/events?kind=token.created");
  } finally {
    await ui.stop();
  }
});
