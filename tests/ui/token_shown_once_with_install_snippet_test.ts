/** Chromium: a tunneler token is shown once with its expiry, install snippet and a copy button, then never again. */
import { browserTest, logIn } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: a created tunneler token is shown once with expiry and install snippet",
  async (run) => {
    const { page, stack, context } = run;
    await logIn(run, "/tokens?role=tunneler");
    assert.ok(await page.isChecked('input[name=role][value="tunneler"]'));
    await page.fill("#agent_id", "laptop-1");
    await Promise.all([
      page.waitForURL(`${stack.uiUrl}/tokens`),
      page.click("#token-form button[type=submit]"),
    ]);
    const token = (await page.textContent("#token-value"))!.trim();
    assert.ok(token.length >= 22, `token "${token}" too short`);
    const snippet = (await page.textContent("#install-snippet"))!;
    assert.ok(snippet.includes(`ENROLLMENT_TOKEN=${token}`));
    assert.ok(snippet.includes("TUNNELER_ID=laptop-1"));
    assert.ok(snippet.includes(`CONTROLLER_ADDR=${stack.grpcAddr}`));
    assert.ok(snippet.includes("systemctl enable --now postern-tunneler"));
    assert.match((await page.textContent("#token-expiry"))!, /UTC \(in (59m|1h)\)/);
    // The copy button hydrated (enabled) and copies the token.
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.uiUrl });
    await page.click('button[data-copy="token-value"]');
    await page.waitForSelector('button[data-copy="token-value"]:has-text("Copied")');
    assert.deepEqual(await page.evaluate("navigator.clipboard.readText()"), token);
    // Never again: not in the list, not in the API's list.
    await page.goto(`${stack.uiUrl}/tokens`);
    assert.ok(!(await page.content()).includes(token));
    const listed = await stack.admin("GET", "/api/admin/tokens");
    assert.ok(!JSON.stringify(listed.body).includes(token));
    assert.deepEqual(listed.body.filter((x: { role: string }) => x.role === "tunneler").length, 1);
  },
);
