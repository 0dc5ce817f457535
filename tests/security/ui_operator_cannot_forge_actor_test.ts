/**
 * Attack: a logged-in browser sends its own `X-Postern-Actor` through the UI's proxy to have its
 * change recorded as someone else's. The UI never forwards the browser's header; it names its
 * operator itself, and the controller records the change as `ui:operator`.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { startStack } from "../ui/_stack.ts";
import { uiLogin } from "../support/ui_session.ts";

Deno.test("a change through the UI is recorded as ui:operator whatever actor the browser claims", async () => {
  await using dir = await tempDir("postern-ui-actor-");
  const stack = await startStack(dir.path);
  try {
    const { cookie, csrf } = await uiLogin(stack.uiUrl, stack.password);
    const res = await fetch(`${stack.uiUrl}/api/admin/connectors/c1/allowlist`, {
      method: "PUT",
      headers: {
        cookie,
        "x-csrf-token": csrf,
        "content-type": "application/json",
        "x-postern-actor": "ci-deploy",
      },
      body: JSON.stringify({ tunnelers: ["t1"] }),
    });
    assert.equal(res.status, 200, await res.text());
    const { body } = await stack.admin("GET", "/api/admin/events?kind=connector.allowlist_changed");
    assert.deepEqual(body.events.map((e: { actor: string }) => e.actor), ["ui:operator"]);
  } finally {
    await stack.stop();
  }
});
