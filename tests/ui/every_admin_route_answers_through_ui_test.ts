/** Chromium session: every admin API route of the interface answers through the UI's proxy (6.1). */
import { ADMIN_ROUTES } from "../../ui/routes/api/admin/contract.ts";
import { browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest("admin UI in Chromium: every admin API route answers through the UI (6.1)", async (run) => {
  const { page, stack, context } = run;
  await logIn(run);
  await onlineConnector(run, "office-1");
  await page.goto(`${stack.uiUrl}/connectors/office-1`);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const csrf = await page.inputValue('input[name="_csrf"]');
  const created = await stack.admin("POST", "/api/admin/tokens", { role: "connector" });
  const ids: Record<string, string> = {
    token: created.body.id,
    connector: "office-1",
    tunneler: "laptop-1",
  };
  for (const [method, template, body] of ADMIN_ROUTES) {
    const path = template.replace(/\{(\w+)\}/, (_, k: string) => ids[k]!);
    const ac = new AbortController();
    const res = await fetch(stack.uiUrl + path, {
      method,
      signal: ac.signal,
      headers: {
        cookie,
        "x-csrf-token": csrf,
        "content-type": "application/json",
        origin: stack.uiUrl,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = path.endsWith("/stream") ? "" : await res.text();
    ac.abort();
    assert.ok(!/no (such )?route/.test(text), `${method} ${path}: ${res.status} ${text}`);
    assert.ok(
      res.status !== 401 && res.status !== 405 && res.status < 500,
      `${method} ${path}: ${res.status} ${text}`,
    );
    if (res.status === 404) {
      // Only "not found" for the tunneler, which never enrolled; office-1 is enrolled.
      assert.ok(!template.includes("{connector}"), `${method} ${path}: ${text}`);
      assert.match(text, /not found/);
    }
  }
});
