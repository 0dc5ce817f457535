/**
 * Chromium: a tunneler granted a resource through a group shows that grant (resource, connector,
 * policy and group) on its page, and the resource page shows who may reach it and, after bytes went
 * through a real tunnel, who did.
 */
import { echoServer, roundTripText } from "../agents/_fixture.ts";
import { freePort } from "../support/ports.ts";
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: tunneler and resource pages show who can reach what and who did",
  async (run) => {
    const { page, stack } = run;
    await using echo = await echoServer();
    await logIn(run, "/");
    await onlineConnector(run, "office-1");
    const put = async (path: string, body: unknown) =>
      assert.deepEqual((await stack.admin("PUT", path, body)).status, 200);
    await put("/api/admin/resources/db", { address: `127.0.0.1:${echo.port}`, connectors: ["office-1"] });
    await put("/api/admin/groups/staff", { tunnelers: ["laptop-1"] });
    await put("/api/admin/policies/staff-db", { groups: ["staff"], resources: ["db"] });
    const fwd = freePort();
    await stack.startTunneler("laptop-1", "office-1", `127.0.0.1:${fwd}=db`);
    const echoed = await roundTripText(fwd, "hello");
    assert.deepEqual(echoed, "hellobye");

    await page.goto(`${stack.uiUrl}/tunnelers/laptop-1`);
    const row = '#tunneler-access tr[data-name="db"]';
    assert.deepEqual(
      await page.textContent(`${row} td[data-field=granted-by]`),
      "policy staff-db via group staff",
    );
    assert.deepEqual(await page.textContent(`${row} td[data-field=connectors]`), "office-1");
    assert.deepEqual(await page.getAttribute(`${row} a[href="/groups/staff"]`, "href"), "/groups/staff");
    const why = (await page.textContent('#tunneler-connectors tr[data-id="office-1"] td[data-field=why]'))!;
    assert.ok(why.includes("serves db"), why);
    await page.screenshot({ path: `${ARTIFACTS}/ui-tunneler.png`, fullPage: true });

    await page.goto(`${stack.uiUrl}/resources/db`);
    assert.deepEqual(
      await page.textContent('#resource-access tr[data-id="laptop-1"] td[data-field=granted-by]'),
      "policy staff-db via group staff",
    );
    // The connector reports tunnels in batches: reload until the closed tunnel is listed.
    const closed = '#recent-tunnels tr[data-kind="tunnel.closed"][data-tunneler="laptop-1"]';
    for (let i = 0; i < 40 && !(await page.$(closed)); i++) {
      await page.waitForTimeout(250);
      await page.reload();
    }
    assert.deepEqual(await page.textContent(`${closed} [data-bytes-in]`), "5 B");
    assert.deepEqual(await page.textContent(`${closed} [data-bytes-out]`), "8 B");
    await page.screenshot({ path: `${ARTIFACTS}/ui-resource.png`, fullPage: true });
    assert.deepEqual(run.pageErrors, []);
  },
);
