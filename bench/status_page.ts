/**
 * The browser side of the status benchmark: a real `postern-ui` in front of the controller and a
 * real Chromium with its connectors page open (the islands follow /api/admin/events/stream through
 * ui/islands/_live.ts). A MutationObserver in the page notes every change of the shown status of
 * one connector with the page's `Date.now()`; the benchmark takes its start time with `Date.now()`
 * too, on the same machine, so the two clocks are one (milliseconds).
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { chromiumMissing, launchChromium, logInPage } from "../tests/support/chromium.ts";
import { startUi } from "../tests/ui/_stack.ts";
import type { RunningProgram } from "../tests/support/process.ts";
import { buildIslands } from "../ui/build.ts";

/** A connectors page that notes when one connector's shown status changes. */
export interface StatusPage {
  /**
   * ms from `t0` (a `Date.now()` of this process) until the page first shows `want` at or after
   * `t0`; rejects after `limitMs`, naming the status and the connector.
   */
  shows(want: "ONLINE" | "OFFLINE", t0: number, limitMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The script (page side, so a string: the bench is not type-checked against the DOM) that notes
 * each change of connector `id`'s shown status in `globalThis.__postern_status`.
 */
function watchStatus(id: string): string {
  return `(() => {
    const seen = globalThis.__postern_status = [];
    const current = () =>
      document.querySelector('tr[data-id=' + ${JSON.stringify(JSON.stringify(id))} + '] [data-status]')
        ?.getAttribute("data-status") ?? null;
    const note = () => {
      const status = current();
      if (seen.at(-1)?.status !== status) seen.push({ status, at: Date.now() });
    };
    note();
    new MutationObserver(note).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"], characterData: true,
    });
  })()`;
}

/**
 * Starts `postern-ui` for the controller `c`, Chromium at `chromium`, logs in and opens the
 * connectors page watching connector `id` (ONLINE by then). Resolves with the reason instead
 * when Chromium is not installed.
 */
export async function openStatusPage(
  c: { adminUrl: string; adminToken: string; grpcAddr: string },
  id: string,
  chromium: string,
): Promise<StatusPage | { skipped: string }> {
  const missing = await chromiumMissing(chromium);
  if (missing !== undefined) return { skipped: missing };
  const manifest = new URL("../ui/static/build/manifest.json", import.meta.url);
  if (!await Deno.stat(manifest).then(() => true, () => false)) await buildIslands();
  let ui: RunningProgram | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await ui?.stop();
  };
  try {
    const started = startUi(c);
    ui = started.ui;
    await ui.waitForLine("listening on");
    browser = await launchChromium(chromium);
    const page: Page = await (await browser.newContext()).newPage();
    await logInPage(page, started.uiUrl, started.password, "/connectors");
    await page.waitForSelector(`tr[data-id="${id}"] [data-status="ONLINE"]`, { timeout: 20_000 });
    await page.evaluate(watchStatus(id));
    return {
      async shows(want, t0, limitMs) {
        const at = await page.waitForFunction(
          ([want, t0]) =>
            (globalThis as unknown as { __postern_status: { status: string; at: number }[] })
              .__postern_status.find((s) => s.status === want && s.at >= t0)?.at,
          [want, t0] as const,
          { timeout: limitMs },
        ).catch(() => {
          throw new Error(`the connectors page did not show connector ${id} ${want} within ${limitMs} ms`);
        });
        return (await at.jsonValue() as number) - t0;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
