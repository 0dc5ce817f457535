/**
 * The admin UI in Debian's Chromium (playwright-core) against the real controller, UI and
 * connector processes: one browser scenario per test file. Screenshots go to tests/artifacts/.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromiumMissing, launchChromium, logInPage } from "../support/chromium.ts";
import { tempDir } from "../support/paths.ts";
import { REPO_ROOT } from "../support/process.ts";
import { type Stack, startStack } from "./_stack.ts";

/** Where the browser scenarios save screenshots. */
export const ARTIFACTS = `${REPO_ROOT}tests/artifacts`;
const missing = await chromiumMissing();
const haveChromium = missing === undefined;
if (!haveChromium) console.warn(`SKIP browser tests: ${missing}`);

/** What a browser scenario drives: the stack, the browser, one context and one page in it. */
export interface BrowserRun {
  stack: Stack;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught errors the page has thrown so far. */
  pageErrors: string[];
}

/** Registers a Deno test that runs `fn` against a fresh stack and Chromium (skipped without Chromium). */
export function browserTest(name: string, fn: (run: BrowserRun) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !haveChromium,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await using dir = await tempDir("postern-ui-browser-");
      const stack = await startStack(dir.path);
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        const pageErrors: string[] = [];
        page.on("pageerror", (e) => pageErrors.push(String(e)));
        await fn({ stack, browser, context, page, pageErrors });
      } finally {
        await browser.close();
        await stack.stop();
      }
    },
  });
}

/** Logs the page in with the stack's password from `path` (via the login redirect); lands on `path`. */
export async function logIn(run: BrowserRun, path = "/connectors"): Promise<void> {
  await logInPage(run.page, run.stack.uiUrl, run.stack.password, path);
}

/** Starts connector `id` and waits until the connectors page lists it ONLINE. */
export async function onlineConnector(run: BrowserRun, id: string) {
  const connector = await run.stack.startConnector(id);
  await run.page.goto(`${run.stack.uiUrl}/connectors`);
  await run.page.waitForSelector(`tr[data-id="${id}"] [data-status="ONLINE"]`, { timeout: 20_000 });
  return connector;
}
