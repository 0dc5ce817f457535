/**
 * Chromium: creating a tunneler token, the operator picks the connector its snippet dials and a
 * group to add it to; the page shows what that grants, and the group holds the new id.
 */
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: a tunneler token grants access in the same step and dials the chosen connector",
  async (run) => {
    const { page, stack } = run;
    await logIn(run, "/tokens");
    await onlineConnector(run, "office-1");
    await onlineConnector(run, "office-2");
    await stack.admin("PUT", "/api/admin/groups/staff", { tunnelers: ["laptop-1"] });
    await stack.admin("PUT", "/api/admin/resources/db", {
      address: "127.0.0.1:5432",
      connectors: ["office-2"],
    });
    await stack.admin("PUT", "/api/admin/policies/staff-db", { groups: ["staff"], resources: ["db"] });

    await page.goto(`${stack.uiUrl}/tokens?role=tunneler`);
    await page.fill("#agent_id", "laptop-5");
    await page.selectOption("#connector", "office-2");
    await page.selectOption("#group", "staff");
    await page.screenshot({ path: `${ARTIFACTS}/ui-token-form.png`, fullPage: true });
    await Promise.all([
      page.waitForURL(`${stack.uiUrl}/tokens`),
      page.click("#token-form button[type=submit]"),
    ]);
    const snippet = (await page.textContent("#install-snippet"))!;
    assert.ok(snippet.includes("\nCONNECTOR_ADDR=office-2@127.0.0.1:9443\n"), snippet);
    assert.ok(snippet.includes("\nTUNNELER_ID=laptop-5\n"), snippet);
    assert.deepEqual(
      await page.textContent('#granted-access #tunneler-access tr[data-name="db"] td[data-field=granted-by]'),
      "policy staff-db via group staff",
    );
    assert.deepEqual(
      await page.$("#allowlist-command"),
      null,
      "no allowlist step once a group grants access",
    );
    assert.deepEqual((await stack.admin("GET", "/api/admin/groups/staff")).body.tunnelers, [
      "laptop-1",
      "laptop-5",
    ]);
    assert.deepEqual(
      (await stack.admin("GET", "/api/admin/tunnelers/laptop-5/access")).body.resources[0].name,
      "db",
    );
    await page.screenshot({ path: `${ARTIFACTS}/ui-token-created-granted.png`, fullPage: true });

    // Without a group: the allowlist step as before, for the chosen connector.
    await page.goto(`${stack.uiUrl}/tokens?role=tunneler`);
    await page.fill("#agent_id", "laptop-6");
    await page.selectOption("#connector", "office-1");
    await Promise.all([
      page.waitForURL(`${stack.uiUrl}/tokens`),
      page.click("#token-form button[type=submit]"),
    ]);
    assert.deepEqual(
      await page.textContent("#allowlist-command"),
      "postern-controller connectors allowlist office-1 --add laptop-6",
    );
    assert.deepEqual(run.pageErrors, []);
  },
);
