/**
 * Chromium: the events page filters by kind (a select), agent, resource and time, and a refused
 * enrollment shows its failure-mode id linking to that mode's section of the docs page.
 */
import { echoServer, roundTrip } from "../agents/_fixture.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: events filter by kind, agent, resource and time; failure modes link",
  async (run) => {
    const { page, stack } = run;
    await using echo = await echoServer();
    await logIn(run, "/events");
    await onlineConnector(run, "office-1");
    await stack.admin("PUT", "/api/admin/resources/db", {
      address: `127.0.0.1:${echo.port}`,
      connectors: ["office-1"],
    });
    await stack.admin("PUT", "/api/admin/policies/p1", { tunnelers: ["laptop-1"], resources: ["db"] });
    const fwd = freePort();
    await stack.startTunneler("laptop-1", "office-1", `127.0.0.1:${fwd}=db`);
    await roundTrip(fwd, new TextEncoder().encode("ping"));
    await waitFor("the closed tunnel's event", async () => {
      const r = await stack.admin("GET", "/api/admin/events?kind=tunnel.closed&agent=laptop-1");
      return r.body.events.length > 0 || undefined;
    });
    // An enrollment refused with failure mode 1.2: a token bound to another id.
    const bound =
      (await stack.admin("POST", "/api/admin/tokens", { role: "tunneler", id: "laptop-x" })).body.token;
    const impostor = startProgram("tunneler", {
      args: ["run"],
      env: {
        CONTROLLER_ADDR: stack.grpcAddr,
        CONTROLLER_CA_PATH: stack.caPath,
        TUNNELER_ID: "laptop-y",
        ENROLLMENT_TOKEN: bound,
        CONNECTOR_ADDR: "office-1@127.0.0.1:9",
        TUNNELER_FORWARDS: `127.0.0.1:${freePort()}=db`,
        TUNNELER_STATE_DIR: `${stack.caPath}.laptop-y`,
      },
    });
    await impostor.exited;

    await page.goto(`${stack.uiUrl}/events`);
    await page.selectOption("#kind", "tunnel.closed");
    await page.fill("#agent", "laptop-1");
    await page.fill("#resource", "db");
    await page.selectOption("#within", "3600");
    await Promise.all([page.waitForURL(/within=3600/), page.click("#event-filters button[type=submit]")]);
    const kinds = () =>
      page.$$eval("#events tbody tr", (rows) => rows.map((r) => r.getAttribute("data-kind")));
    assert.deepEqual(await kinds(), ["tunnel.closed"]);
    assert.deepEqual(await page.inputValue("#resource"), "db", "the filter stays filled in");
    await page.screenshot({ path: `${ARTIFACTS}/ui-events-filtered.png`, fullPage: true });
    // Another resource: nothing; a time window before the tunnel: nothing.
    await page.fill("#resource", "other");
    await Promise.all([page.waitForURL(/resource=other/), page.click("#event-filters button[type=submit]")]);
    assert.deepEqual(await page.textContent("[data-island=EventsTable] .empty"), "No events.");
    await page.fill("#resource", "db");
    await page.selectOption("#within", "");
    await page.fill("#to", "2020-01-01T00:00");
    await Promise.all([page.waitForURL(/to=2020/), page.click("#event-filters button[type=submit]")]);
    assert.deepEqual(await page.textContent("[data-island=EventsTable] .empty"), "No events.");

    // The refusal, with its failure mode linking to the docs.
    await page.goto(`${stack.uiUrl}/events?kind=enrollment.refused`);
    const link = '#events tr[data-kind="enrollment.refused"] a[data-failure-mode="1.2"]';
    assert.deepEqual(await page.getAttribute(link, "href"), "/docs/failure-modes#1-2");
    await page.screenshot({ path: `${ARTIFACTS}/ui-events-failure-mode.png`, fullPage: true });
    await Promise.all([page.waitForURL(/\/docs\/failure-modes#1-2$/), page.click(link)]);
    const heading = (await page.textContent(`section[id="1-2"] h2`))!;
    assert.ok(heading.startsWith("1.2 "), heading);
    assert.deepEqual(run.pageErrors, []);
  },
);
