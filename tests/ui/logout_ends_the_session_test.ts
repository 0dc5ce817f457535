/** Chromium: logging out ends the session: the API answers 401 and pages redirect to the login. */
import { browserTest, logIn } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest("admin UI in Chromium: log out ends the session", async (run) => {
  const { page, stack } = run;
  await logIn(run, "/");
  await Promise.all([page.waitForURL(`${stack.uiUrl}/login`), page.click(".logout button")]);
  const res = await page.request.get(`${stack.uiUrl}/api/admin/connectors`);
  assert.deepEqual(res.status(), 401);
  await page.goto(`${stack.uiUrl}/tokens`);
  assert.match(page.url(), /\/login/);
});
