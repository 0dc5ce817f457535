/** Chromium: the dashboard ships at most 60 KB of JavaScript and hydrates without page errors. */
import { browserTest, logIn } from "./_browser.ts";
import assert from "node:assert/strict";

browserTest(
  "admin UI in Chromium: the dashboard ships at most 60 KB of JavaScript and hydrates without errors",
  async (run) => {
    const { context, stack, pageErrors } = run;
    await logIn(run);
    let jsBytes = 0;
    const fresh = await context.newPage();
    fresh.on("pageerror", (e) => pageErrors.push(String(e)));
    fresh.on("response", async (r) => {
      if (r.request().resourceType() === "script") jsBytes += (await r.body()).length;
    });
    // Hydration runs the islands' effects, which open the live stream: that request is the sign
    // that every script ran (the stream stays open for good, so never wait for network idle).
    const streamOpened = fresh.waitForRequest((r) =>
      new URL(r.url()).pathname === "/api/admin/events/stream"
    );
    await fresh.goto(`${stack.uiUrl}/`, { waitUntil: "load" });
    await fresh.waitForSelector("#connector-counts");
    await streamOpened;
    console.log(`dashboard JavaScript: ${jsBytes} bytes`);
    assert.ok(jsBytes > 0 && jsBytes <= 60 * 1024, `dashboard shipped ${jsBytes} bytes of JavaScript`);
    await fresh.close();
    assert.deepEqual(pageErrors, []);
  },
);
