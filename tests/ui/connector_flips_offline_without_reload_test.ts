/**
 * Chromium: a connector appears ONLINE and flips OFFLINE on the open page without a reload,
 * within 1 s of the controller's own connector.offline event.
 */
import { ARTIFACTS, browserTest, logIn } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: a connector appears ONLINE and flips OFFLINE without a reload",
  async (run) => {
    const { page, stack } = run;
    await logIn(run);
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    const connector = await stack.startConnector("office-1");
    await page.waitForSelector('tr[data-id="office-1"] [data-status="ONLINE"]', { timeout: 20_000 });
    await page.goto(`${stack.uiUrl}/`);
    await page.waitForSelector("#connector-counts [data-online]:has-text('1 online')");
    await page.screenshot({ path: `${ARTIFACTS}/ui-dashboard.png`, fullPage: true });
    await page.goto(`${stack.uiUrl}/connectors`);
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    await page.waitForSelector('tr[data-id="office-1"] [data-status="ONLINE"]');
    await page.screenshot({ path: `${ARTIFACTS}/ui-connectors.png`, fullPage: true });
    // Watch the controller's own stream to time the UI against the controller's decision.
    const sse = await fetch(`${stack.adminUrl}/api/admin/events/stream`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    const offlineAt = (async () => {
      let text = "";
      for await (const chunk of sse.body!.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        if (text.includes("event: connector.offline")) return Date.now();
      }
      assert.fail("controller stream ended before connector.offline");
    })();
    const stoppedAt = Date.now();
    await connector.stop();
    await page.waitForSelector('tr[data-id="office-1"] [data-status="OFFLINE"]', { timeout: 15_000 });
    const shownAt = Date.now();
    const decidedAt = await offlineAt;
    await sse.body?.cancel().catch(() => {});
    console.log(
      `controller marked OFFLINE ${decidedAt - stoppedAt} ms after the stop; UI showed it ${
        shownAt - decidedAt
      } ms later`,
    );
    assert.ok(shownAt - decidedAt < 1000, `UI took ${shownAt - decidedAt} ms to show OFFLINE`);
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker), 42);
  },
);
