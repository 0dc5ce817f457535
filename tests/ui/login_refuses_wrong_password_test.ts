/** Chromium: a wrong password is refused with a banner; the right one logs in with a strict, httpOnly cookie. */
import { browserTest } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: a wrong password is refused, the right one logs in",
  async ({ page, stack, context }) => {
    await page.goto(`${stack.uiUrl}/connectors`);
    assert.match(page.url(), /\/login\?next=%2Fconnectors$/);
    await page.fill("#password", "not the password");
    await page.press("#password", "Enter");
    await page.waitForSelector("#error-banner");
    assert.deepEqual(await page.textContent("#error-banner"), "Wrong password");
    assert.match(page.url(), /\/login/);
    await page.fill("#password", stack.password);
    await Promise.all([page.waitForURL(`${stack.uiUrl}/connectors`), page.press("#password", "Enter")]);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "postern_session")!;
    assert.ok(session.httpOnly && session.sameSite === "Strict");
  },
);
