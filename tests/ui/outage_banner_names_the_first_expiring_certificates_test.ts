/**
 * Chromium: with the controller stopped, every page says since when it is unreachable and when the
 * first certificates expire (the outage budget), naming the agent, from the last listing the UI's
 * sampler had; once the controller runs again on its state directory the banner goes.
 */
import { waitFor } from "../support/wait_for.ts";
import {
  ARTIFACTS,
  assert,
  assertEquals,
  assertMatch,
  browserTest,
  logIn,
  onlineConnector,
} from "./_browser.ts";

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
    assertEquals(office.status, "ONLINE");
    const expiresAt: string = office.cert_expires_at;
    assertEquals(await page.locator("#outage-banner").count(), 0, "no banner while the controller answers");

    const stoppedAt = Date.now();
    await stack.controller.stop();
    const banner = page.locator("#outage-banner");
    await waitFor(
      "the outage banner",
      async () => {
        await page.goto(`${stack.uiUrl}/tokens`);
        return (await banner.count()) > 0 || undefined;
      },
      20_000,
      500,
    );
    const seenAt = Date.now();
    await page.screenshot({ path: `${ARTIFACTS}/ui-outage-banner.png`, fullPage: true });
    assertEquals(await banner.getAttribute("role"), "alert");
    assertEquals(await banner.getAttribute("data-agents"), "office-1");
    assertEquals(await banner.getAttribute("data-expires-at"), new Date(expiresAt).toISOString());
    const since = Date.parse((await banner.getAttribute("data-since"))!);
    assert(since >= stoppedAt && since <= seenAt, `the outage began ${since - stoppedAt} ms after the stop`);
    const clock = new Date(expiresAt).toISOString().slice(11, 19);
    assertMatch(
      (await banner.textContent())!,
      new RegExp(
        `^Controller unreachable since \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ s\\); ` +
          `the first certificates expire at ${clock} UTC \\(\\d+ min left\\): office-1$`,
      ),
    );
    // Every page carries it, the dashboard too.
    await page.goto(`${stack.uiUrl}/`);
    assertEquals(await banner.getAttribute("data-agents"), "office-1");

    await stack.startController();
    await waitFor(
      "the outage banner to go",
      async () => {
        await page.goto(`${stack.uiUrl}/connectors`);
        return (await banner.count()) === 0 || undefined;
      },
      20_000,
      500,
    );
    assertEquals(await page.locator("#error-banner").count(), 0);
    console.log(`banner shown ${seenAt - stoppedAt} ms after the controller stopped`);
  },
);
