/**
 * Chromium at 420 px: the page itself never scrolls sideways; a wide table scrolls inside its own
 * box, which says so; the navigation stays on one line. Screenshots of the dashboard and the token
 * page at 1280 and 420 px go to tests/artifacts/.
 */
import type { Page } from "playwright-core";
import { ARTIFACTS, browserTest, logIn, onlineConnector } from "./_browser.ts";
import assert from "node:assert/strict";

/** What the layout looks like from inside the page (run in Chromium, so written as its source). */
interface Layout {
  pageOverflow: number;
  boxFound: boolean;
  boxScrollable: boolean;
  boxOverflowX: string;
  hint: string;
  navLines: number;
  navLinks: number;
}

function measure(page: Page, table: string): Promise<Layout> {
  return page.evaluate(`(() => {
    const doc = document.documentElement;
    const box = document.querySelector(${JSON.stringify(table)})?.closest(".scroll") ?? null;
    const navTops = [...document.querySelectorAll("header nav a")].map((a) => Math.round(a.getBoundingClientRect().top));
    return {
      pageOverflow: Math.max(doc.scrollWidth, document.body.scrollWidth) - doc.clientWidth,
      boxFound: box !== null,
      boxScrollable: box ? box.scrollWidth > box.clientWidth : false,
      boxOverflowX: box ? getComputedStyle(box).overflowX : "",
      hint: box ? getComputedStyle(box, "::before").content : "",
      navLines: new Set(navTops).size,
      navLinks: navTops.length,
    };
  })()`) as Promise<Layout>;
}

browserTest(
  "admin UI in Chromium at 420 px: tables scroll inside their box with a hint, the nav stays one line",
  async (run) => {
    const { page, stack } = run;
    for (const agent of ["laptop-with-a-long-name-1", "laptop-with-a-long-name-2"]) {
      const r = await stack.admin("POST", "/api/admin/tokens", {
        role: "tunneler",
        id: agent,
        note: `for ${agent}`,
      });
      assert.deepEqual(r.status, 201);
    }
    await logIn(run, "/");
    await onlineConnector(run, "office-1");
    for (const width of [1280, 420]) {
      await page.setViewportSize({ width, height: 860 });
      await page.goto(`${stack.uiUrl}/`);
      await page.waitForSelector('#traffic tr[data-id="office-1"] [data-status="ONLINE"]');
      // The connector's own heartbeat counts, through the controller: no session yet, no bytes.
      await page.waitForSelector('#traffic tr[data-id="office-1"] [data-sessions]:text-is("0")');
      await page.waitForSelector('#traffic tr[data-id="office-1"] [data-bytes-in]:text-is("0 B")');
      await page.screenshot({ path: `${ARTIFACTS}/ui-dashboard-${width}.png`, fullPage: true });
      await page.goto(`${stack.uiUrl}/tokens`);
      await page.waitForSelector("#tokens");
      await page.screenshot({ path: `${ARTIFACTS}/ui-tokens-${width}.png`, fullPage: true });
    }
    // Still 420 px wide, on the token page.
    const tokens = await measure(page, "#tokens");
    assert.ok(tokens.pageOverflow <= 0, `the page scrolls sideways by ${tokens.pageOverflow} px`);
    assert.ok(tokens.boxFound, "the tokens table has no .scroll box");
    assert.deepEqual(tokens.boxOverflowX, "auto");
    assert.ok(tokens.boxScrollable, "the tokens table fits at 420 px, so this proves nothing: widen it");
    assert.ok(tokens.hint.includes("Scroll sideways"), `no scroll hint, ::before content is ${tokens.hint}`);
    assert.deepEqual(tokens.navLinks, 9);
    assert.deepEqual(tokens.navLines, 1, "the navigation wraps");
    // The box really scrolls: its content moves, the page does not.
    const scrolled = await page.evaluate(`(() => {
    const box = document.querySelector("#tokens").closest(".scroll");
    box.scrollLeft = 200;
    return { box: box.scrollLeft, page: window.scrollX };
  })()`) as { box: number; page: number };
    assert.ok(scrolled.box > 0, "the table box did not scroll");
    assert.deepEqual(scrolled.page, 0);
    await page.goto(`${stack.uiUrl}/`);
    const dash = await measure(page, "#traffic");
    assert.ok(dash.pageOverflow <= 0, `the dashboard scrolls sideways by ${dash.pageOverflow} px`);
    assert.ok(dash.boxFound, "the traffic table has no .scroll box");
    assert.deepEqual(dash.navLines, 1, "the navigation wraps on the dashboard");
    // The created token's page at 420 px: the snippet scrolls in its own box too.
    await page.goto(`${stack.uiUrl}/tokens?role=tunneler`);
    await page.fill("#agent_id", "laptop-3");
    await Promise.all([
      page.waitForURL(`${stack.uiUrl}/tokens`),
      page.click("#token-form button[type=submit]"),
    ]);
    const snippet = (await page.textContent("#install-snippet"))!;
    assert.ok(snippet.includes(`CONTROLLER_ADDR=${stack.grpcAddr}\n`), snippet);
    assert.ok(/\nCONNECTOR_ADDR=office-1@[0-9a-f.:[\]]+:9443\n/.test(snippet), snippet);
    assert.deepEqual(
      (await page.textContent("#allowlist-command"))!,
      "postern-controller connectors allowlist office-1 --add laptop-3",
    );
    const created = await measure(page, "#install-snippet");
    assert.ok(created.pageOverflow <= 0, `the token page scrolls sideways by ${created.pageOverflow} px`);
    await page.screenshot({ path: `${ARTIFACTS}/ui-token-created-420.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.screenshot({ path: `${ARTIFACTS}/ui-token-created-1280.png`, fullPage: true });
    assert.deepEqual(run.pageErrors, []);
  },
);
