/** Chromium: allowlist and resources edits on a connector's page reach the controller; bad resources are refused. */
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest("admin UI in Chromium: a connector's allowlist and resources edits are applied", async (run) => {
  const { page, stack } = run;
  await logIn(run);
  await onlineConnector(run, "office-1");
  await page.goto(`${stack.uiUrl}/connectors/office-1`);
  await page.fill("#allow-add", "laptop-1, laptop-2");
  await Promise.all([
    page.waitForURL(/saved=allowlist/),
    page.click("#allowlist-form button[type=submit]"),
  ]);
  assert.deepEqual(await page.textContent("#notice"), "Allowlist saved");
  assert.ok(await page.isChecked('input[name=tunnelers][value="laptop-1"]'));
  assert.deepEqual((await stack.admin("GET", "/api/admin/connectors/office-1/allowlist")).body, {
    tunnelers: ["laptop-1", "laptop-2"],
  });
  await page.uncheck('input[name=tunnelers][value="laptop-2"]');
  await Promise.all([
    page.waitForURL(/saved=allowlist/),
    page.click("#allowlist-form button[type=submit]"),
  ]);
  assert.deepEqual((await stack.admin("GET", "/api/admin/connectors/office-1/allowlist")).body, {
    tunnelers: ["laptop-1"],
  });
  await page.fill("#resources", "db.internal:5432\nnot valid");
  await page.click("#resources-form button[type=submit]");
  await page.waitForSelector("#resources-error");
  await page.fill("#resources", "db.internal:5432\n10.0.0.0/24:443");
  await Promise.all([
    page.waitForURL(/saved=resources/),
    page.click("#resources-form button[type=submit]"),
  ]);
  assert.deepEqual((await stack.admin("GET", "/api/admin/connectors/office-1/resources")).body, {
    resources: ["db.internal:5432", "10.0.0.0/24:443"],
  });
  await page.screenshot({ path: `${ARTIFACTS}/ui-connector.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${ARTIFACTS}/ui-connector-phone.png`, fullPage: true });
});
