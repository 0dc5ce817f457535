/**
 * Chromium: resources, groups and policies are created, edited and deleted through their pages;
 * the controller's validation error appears beside the form with the input kept; a form is filled
 * and sent with the keyboard alone; every visible input has a label.
 */
import type { Page } from "playwright-core";
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

/** Visible form controls without a label (by their name), as Chromium sees the page. */
function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll("main input, main select, main textarea")]
    .filter((el) => el.type !== "hidden" && el.labels.length === 0)
    .map((el) => el.name || el.id)`) as Promise<string[]>;
}

browserTest("admin UI in Chromium: resources, groups and policies are edited on their pages", async (run) => {
  const { page, stack } = run;
  await logIn(run, "/resources");
  await onlineConnector(run, "office-1");

  // A resource: first with an address the controller refuses, then right.
  await page.goto(`${stack.uiUrl}/resources`);
  assert.deepEqual(await unlabelled(page), []);
  await page.fill("#resource-form-name", "db");
  await page.fill("#resource-form-address", "db.internal");
  await page.check('#resource-form input[name=connectors][value="office-1"]');
  await page.click("#resource-form button[type=submit]");
  const error = (await page.textContent("#resource-error"))!;
  assert.ok(error.startsWith('resource "db": '), error);
  assert.ok(error.includes("db.internal"), error);
  assert.deepEqual(await page.inputValue("#resource-form-name"), "db", "the input was kept");
  assert.ok(await page.isChecked('#resource-form input[name=connectors][value="office-1"]'));
  assert.deepEqual((await stack.admin("GET", "/api/admin/resources/db")).status, 404);
  await page.screenshot({ path: `${ARTIFACTS}/ui-resources-error.png`, fullPage: true });
  await page.fill("#resource-form-address", "127.0.0.1:5432");
  await Promise.all([
    page.waitForURL(/\/resources\/db\?saved=1$/),
    page.click("#resource-form button[type=submit]"),
  ]);
  assert.deepEqual(await page.textContent("#notice"), "Resource db saved");
  assert.deepEqual((await stack.admin("GET", "/api/admin/resources/db")).body, {
    name: "db",
    address: "127.0.0.1:5432",
    connectors: ["office-1"],
  });
  // Creating never overwrites.
  await page.goto(`${stack.uiUrl}/resources`);
  await page.fill("#resource-form-name", "db");
  await page.fill("#resource-form-address", "10.0.0.9:22");
  await page.click("#resource-form button[type=submit]");
  assert.deepEqual(
    await page.textContent("#resource-error"),
    'resource "db" already exists: edit it on its page',
  );
  assert.deepEqual((await stack.admin("GET", "/api/admin/resources/db")).body.address, "127.0.0.1:5432");

  // A group, with the keyboard alone: type the name, Tab to the members, Enter sends.
  await page.goto(`${stack.uiUrl}/groups`);
  assert.deepEqual(await unlabelled(page), []);
  await page.focus("#group-form-name");
  await page.keyboard.type("staff");
  await page.keyboard.press("Tab");
  assert.deepEqual(await page.evaluate("document.activeElement.id"), "group-form-tunnelers-other");
  await page.keyboard.type("laptop-1, laptop-2");
  await Promise.all([page.waitForURL(/\/groups\/staff\?saved=1$/), page.keyboard.press("Enter")]);
  assert.deepEqual((await stack.admin("GET", "/api/admin/groups/staff")).body.tunnelers, [
    "laptop-1",
    "laptop-2",
  ]);
  // Edit: untick one member.
  await page.uncheck('#group-form input[name=tunnelers][value="laptop-2"]');
  await Promise.all([
    page.waitForURL(/\/groups\/staff\?saved=1$/),
    page.click("#group-form button[type=submit]"),
  ]);
  assert.deepEqual((await stack.admin("GET", "/api/admin/groups/staff")).body.tunnelers, ["laptop-1"]);
  await page.screenshot({ path: `${ARTIFACTS}/ui-group.png`, fullPage: true });

  // A policy picks the group and the resource from what exists.
  await page.goto(`${stack.uiUrl}/policies`);
  assert.deepEqual(await unlabelled(page), []);
  await page.fill("#policy-form-name", "staff-db");
  await page.check('#policy-form input[name=groups][value="staff"]');
  await page.check('#policy-form input[name=resources][value="db"]');
  await Promise.all([
    page.waitForURL(/\/policies\/staff-db\?saved=1$/),
    page.click("#policy-form button[type=submit]"),
  ]);
  await page.fill("#policy-form-tunnelers-other", "laptop-9");
  await Promise.all([
    page.waitForURL(/\/policies\/staff-db\?saved=1$/),
    page.click("#policy-form button[type=submit]"),
  ]);
  assert.deepEqual((await stack.admin("GET", "/api/admin/policies/staff-db")).body, {
    name: "staff-db",
    groups: ["staff"],
    tunnelers: ["laptop-9"],
    resources: ["db"],
  });
  await page.goto(`${stack.uiUrl}/policies`);
  assert.deepEqual(
    await page.textContent('#policies tr[data-name="staff-db"] td[data-field=groups]'),
    "staff",
  );
  await page.screenshot({ path: `${ARTIFACTS}/ui-policies.png`, fullPage: true });
  await page.goto(`${stack.uiUrl}/resources`);
  await page.screenshot({ path: `${ARTIFACTS}/ui-resources.png`, fullPage: true });

  // Delete, behind a confirmation page.
  await page.goto(`${stack.uiUrl}/policies/staff-db`);
  await Promise.all([page.waitForURL(/\/policies\/staff-db\/delete$/), page.click("#delete-link")]);
  await Promise.all([page.waitForURL(/\/policies\?deleted=staff-db$/), page.click("#confirm-delete")]);
  assert.deepEqual(await page.textContent("#notice"), 'policy "staff-db" deleted');
  assert.deepEqual((await stack.admin("GET", "/api/admin/policies/staff-db")).status, 404);
  assert.deepEqual(await page.$('#policies tr[data-name="staff-db"]'), null);
  assert.deepEqual(run.pageErrors, []);
});
