/**
 * Chromium: with the controller stopped, every page says since when it is unreachable and when the
 * first certificates expire (the outage budget), naming the agent, from the last listing the UI's
 * sampler had: the open page shows it without a reload; once the controller runs again on its
 * state directory the banner goes, again without a reload.
 */
import { waitFor } from "../support/wait_for.ts";
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: the outage banner names the first certificates to expire, and goes when the controller is back",
  async (run) => {
    const { page, stack } = run;
    await logIn(run);
    await onlineConnector(run, "office-1");
    // The sampler has listed office-1 once its counters have two samples (a point on its chart).
    await waitFor(
      "the UI's sampler to list office-1",
      async () => {
        const series = await page.evaluate(async () =>
          (await fetch("/api/traffic?role=connectors&id=office-1")).json()
        ) as { points: unknown[] };
        return series.points.length > 0 || undefined;
      },
      20_000,
      500,
    );
    const listed = await stack.admin("GET", "/api/admin/connectors");
    const office = (listed.body.connectors ?? listed.body).find((c: { id: string }) => c.id === "office-1");
    assert.deepEqual(office.status, "ONLINE");
    const expiresAt: string = office.cert_expires_at;
    await page.goto(`${stack.uiUrl}/tokens`);
    const banner = page.locator("#outage-banner");
    assert.deepEqual(await banner.count(), 0, "no banner while the controller answers");
    const mark = (n: number) =>
      page.evaluate((v) => ((globalThis as unknown as { marker: number }).marker = v), n);
    const marker = () => page.evaluate(() => (globalThis as unknown as { marker?: number }).marker);
    await mark(42);

    const stoppedAt = Date.now();
    await stack.controller.stop();
    await banner.waitFor({ timeout: 20_000 });
    const seenAt = Date.now();
    assert.deepEqual(await marker(), 42, "the banner appeared without a reload");
    await page.screenshot({ path: `${ARTIFACTS}/ui-outage-banner.png`, fullPage: true });
    assert.deepEqual(await banner.getAttribute("role"), "alert");
    assert.deepEqual(await banner.getAttribute("data-agents"), "office-1");
    assert.deepEqual(await banner.getAttribute("data-expires-at"), new Date(expiresAt).toISOString());
    const since = Date.parse((await banner.getAttribute("data-since"))!);
    assert.ok(
      since >= stoppedAt && since <= seenAt,
      `the outage began ${since - stoppedAt} ms after the stop`,
    );
    const clock = new Date(expiresAt).toISOString().slice(11, 19);
    assert.match(
      (await banner.textContent())!,
      new RegExp(
        `^Controller unreachable since \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ s\\); ` +
          `the first certificates expire at ${clock} UTC \\(\\d+ min left\\): office-1$`,
      ),
    );
    // Every page carries it from the server, the dashboard too.
    await page.goto(`${stack.uiUrl}/`);
    assert.deepEqual(await banner.getAttribute("data-agents"), "office-1");
    await mark(43);

    const restartedAt = Date.now();
    await stack.startController();
    await banner.waitFor({ state: "detached", timeout: 20_000 });
    const goneAt = Date.now();
    assert.deepEqual(await marker(), 43, "the banner went without a reload");
    await page.goto(`${stack.uiUrl}/connectors`);
    assert.deepEqual(await banner.count(), 0);
    assert.deepEqual(await page.locator("#error-banner").count(), 0);
    console.log(
      `banner shown ${seenAt - stoppedAt} ms after the controller stopped, gone ${
        goneAt - restartedAt
      } ms after it was started again`,
    );
  },
);
