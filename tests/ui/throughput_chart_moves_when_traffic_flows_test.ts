/**
 * Chromium: bytes sent through a real tunnel move the connector page's throughput chart without
 * a reload; the tunneler page and the dashboard chart them too, and the dashboard lists the top
 * resource and tunneler and the refused attempt, linking to the filtered events.
 */
import type { Page } from "playwright-core";
import { bulk, echoServer, roundTrip } from "../agents/_fixture.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

const MIB = 1024 * 1024;

/** The chart's `data-bytes-in` on the page as it is now. */
const bytesIn = (run: { page: Page }) =>
  run.page.getAttribute("#throughput svg", "data-bytes-in").then(Number);

/**
 * Waits (without reloading) until the chart's `data-<attribute>` reaches `min`; 60 s at most (the
 * agents report every second and the UI samples every 5 s, but the machine may be busy).
 */
async function chartReaches(
  page: Page,
  attribute: "bytes-in" | "bytes-out" | "points",
  min: number,
): Promise<void> {
  let seen = 0;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    seen = Number(await page.getAttribute("#throughput svg", `data-${attribute}`));
    if (seen >= min) return;
    await page.waitForTimeout(200);
  }
  assert.fail(`the chart's ${attribute} is ${seen} after 60 s, expected ${min} or more`);
}

browserTest(
  "admin UI in Chromium: the throughput chart moves when bytes flow through a tunnel",
  async (run) => {
    const { page, stack } = run;
    await using echo = await echoServer();
    await logIn(run, "/");
    await onlineConnector(run, "office-1");
    await stack.admin("PUT", "/api/admin/resources/db", {
      address: `127.0.0.1:${echo.port}`,
      connectors: ["office-1"],
    });
    await stack.admin("PUT", "/api/admin/policies/p1", { tunnelers: ["laptop-1"], resources: ["db"] });
    const fwd = freePort(), refusedFwd = freePort();
    await stack.startTunneler(
      "laptop-1",
      "office-1",
      `127.0.0.1:${fwd}=db,127.0.0.1:${refusedFwd}=127.0.0.1:9`,
    );

    // The UI samples the counters every 5 s and an agent's first sample is only its baseline:
    // wait for a point on both charts, so that the bytes sent next fall between two samples of each.
    await page.goto(`${stack.uiUrl}/tunnelers/laptop-1`);
    await chartReaches(page, "points", 1);
    await page.goto(`${stack.uiUrl}/connectors/office-1`);
    await chartReaches(page, "points", 1);
    const before = await bytesIn(run);
    assert.ok(before < MIB, `the chart starts with ${before} bytes`);
    await page.screenshot({ path: `${ARTIFACTS}/ui-connector-chart-before.png`, fullPage: true });
    const sent = await bulk(fwd, 2 * MIB);
    assert.ok(sent.ok && sent.received >= 2 * MIB, JSON.stringify(sent));
    // No reload: the island refetches and the chart moves.
    await chartReaches(page, "bytes-in", 2 * MIB);
    assert.ok(await page.$("#throughput polyline.in"), "no line drawn");
    await page.screenshot({ path: `${ARTIFACTS}/ui-connector-chart.png`, fullPage: true });

    await page.goto(`${stack.uiUrl}/tunnelers/laptop-1`);
    await chartReaches(page, "bytes-out", 2 * MIB);
    await page.screenshot({ path: `${ARTIFACTS}/ui-tunneler-chart.png`, fullPage: true });

    // A refused attempt: a destination no policy grants.
    await roundTrip(refusedFwd, new TextEncoder().encode("x")).catch(() => undefined);
    await waitFor("the refused tunnel's event", async () => {
      const r = await stack.admin("GET", "/api/admin/events?kind=tunnel.refused&agent=laptop-1");
      return r.body.events.length > 0 || undefined;
    });
    await waitFor("the closed tunnel's event", async () => {
      const r = await stack.admin("GET", "/api/admin/events?kind=tunnel.closed&resource=db");
      return r.body.events.length > 0 || undefined;
    });
    await page.goto(`${stack.uiUrl}/`);
    assert.ok(await bytesIn(run) >= 2 * MIB, "the dashboard's chart misses the traffic");
    const top = '#top-resources li[data-name="db"] a';
    assert.deepEqual(await page.getAttribute(top, "href"), "/events?kind=tunnel.&resource=db&within=3600");
    assert.ok(await page.$('#top-tunnelers li[data-name="laptop-1"]'), "laptop-1 is not a top tunneler");
    assert.deepEqual(
      await page.textContent('#refused-attempts li[data-tunneler="laptop-1"] [data-count]'),
      "1×",
    );
    await page.screenshot({ path: `${ARTIFACTS}/ui-dashboard-traffic.png`, fullPage: true });
    await Promise.all([page.waitForURL(/resource=db/), page.click(top)]);
    const kinds = await page.$$eval(
      "#events tbody tr",
      (rows) => rows.map((r) => r.getAttribute("data-kind")),
    );
    assert.ok(
      kinds.includes("tunnel.closed") && kinds.every((k) => k?.startsWith("tunnel.")),
      String(kinds),
    );
    assert.deepEqual(run.pageErrors, []);
  },
);
