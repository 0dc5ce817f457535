/**
 * Debian's Chromium driven by playwright-core: where it is, how it is launched, and the UI's
 * login as a user types it. The browser tests (tests/ui/_browser.ts) and the status benchmark's
 * page rows (bench/status_page.ts) share it.
 * @module
 */
import { type Browser, chromium, type Page } from "playwright-core";

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags every run gets: no sandbox (root in CI), nothing that phones home. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Why Chromium at `path` cannot run (a sentence naming the path and the fix), or undefined when it is there. */
export async function chromiumMissing(path: string = CHROMIUM): Promise<string | undefined> {
  const isFile = await Deno.stat(path).then((s) => s.isFile, () => false);
  return isFile ? undefined : `chromium not found at "${path}" (install it with apt-get install chromium)`;
}

/** Launches headless Chromium at `path` with {@link CHROMIUM_ARGS}. */
export function launchChromium(path: string = CHROMIUM): Promise<Browser> {
  return chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS] });
}

/** Logs `page` in to the UI at `uiUrl` with `password` through the login redirect of `path`; lands on `path`. */
export async function logInPage(
  page: Page,
  uiUrl: string,
  password: string,
  path = "/connectors",
): Promise<void> {
  await page.goto(`${uiUrl}${path}`);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${uiUrl}${path}`), page.press("#password", "Enter")]);
}
