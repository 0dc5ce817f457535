/**
 * Chromium: an API key is created with a name and a scope and shown once; the list never shows it;
 * the key works on the admin API within its scope and names its changes; revoking it in the UI ends it.
 */
import { ARTIFACTS, browserTest, logIn } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: an API key is shown once, works within its scope, and is revoked",
  async (run) => {
    const { page, stack } = run;
    await logIn(run, "/api-keys");
    const call = (key: string, method: string, path: string, body?: unknown) =>
      fetch(`${stack.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => undefined) }));

    // A name the controller refuses: its message beside the form.
    await page.fill("#api-key-name", "no spaces allowed");
    await page.click("#api-key-form button[type=submit]");
    assert.match((await page.textContent("#api-key-error"))!, /^invalid .*"no spaces allowed"/);
    assert.deepEqual(await page.inputValue("#api-key-name"), "no spaces allowed");

    await page.fill("#api-key-name", "backup-job");
    await page.selectOption("#api-key-scope", "admin");
    await page.click("#api-key-form button[type=submit]");
    const key = (await page.textContent("#api-key-value"))!;
    assert.match(key, /^pak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await page.textContent("#api-key-created-scope"), "admin");
    await page.screenshot({ path: `${ARTIFACTS}/ui-api-key-created.png`, fullPage: true });

    // It works, and its changes carry its name as the actor.
    assert.deepEqual((await call(key, "PUT", "/api/admin/groups/ops", { tunnelers: ["t1"] })).status, 200);
    const events = await stack.admin("GET", "/api/admin/events?kind=group.changed");
    assert.deepEqual(events.body.events[0].actor, "backup-job");

    // A read key may not write.
    await page.goto(`${stack.uiUrl}/api-keys`);
    await page.fill("#api-key-name", "dashboard");
    await page.click("#api-key-form button[type=submit]");
    const reader = (await page.textContent("#api-key-value"))!;
    assert.deepEqual((await call(reader, "GET", "/api/admin/connectors")).status, 200);
    assert.deepEqual((await call(reader, "PUT", "/api/admin/groups/ops", { tunnelers: [] })).status, 403);

    // The list: names and scopes, never a key.
    await page.goto(`${stack.uiUrl}/api-keys`);
    assert.deepEqual(
      await page.textContent('#api-keys tr[data-name="backup-job"] td[data-field=scope]'),
      "admin",
    );
    assert.deepEqual(
      await page.textContent('#api-keys tr[data-name="dashboard"] td[data-field=scope]'),
      "read",
    );
    const html = await page.content();
    assert.ok(
      !html.includes(key.split("_")[2]!) && !html.includes(reader.split("_")[2]!),
      "a key is on the list page",
    );
    await page.screenshot({ path: `${ARTIFACTS}/ui-api-keys.png`, fullPage: true });

    await Promise.all([
      page.waitForURL(/\/api-keys\?revoked=backup-job$/),
      page.click('#api-keys tr[data-name="backup-job"] button[type=submit]'),
    ]);
    assert.deepEqual(await page.textContent("#notice"), 'API key "backup-job" revoked');
    assert.deepEqual(await page.$('#api-keys tr[data-name="backup-job"]'), null);
    assert.deepEqual((await call(key, "GET", "/api/admin/connectors")).status, 401);
    assert.deepEqual(run.pageErrors, []);
  },
);
