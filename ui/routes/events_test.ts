/** The events page: the kind filter is a select of the known kinds and prefixes, not free text. */
import assert from "node:assert/strict";
import { testApp } from "../_test_app.ts";

Deno.test("the kind filter offers the known kinds and prefixes and keeps the chosen one selected", async () => {
  const app = testApp({ upstream: () => Response.json({ events: [] }) });
  const { cookie } = await app.login();
  const html = await (await app.call("/events?kind=tunnel.", { headers: { cookie } })).text();
  assert.ok(!/<input[^>]*name="kind"/.test(html), "the kind filter is still free text");
  const select = html.match(/<select name="kind"[^>]*>([\s\S]*?)<\/select>/)?.[1];
  assert.ok(select, "no kind select");
  for (
    const kind of [
      "connector.enrolled",
      "tunneler.offline",
      "tunnel.opened",
      "enrollment.refused",
      "token.created",
    ]
  ) {
    assert.match(select, new RegExp(RegExp.escape(`value="${kind}"`)));
  }
  assert.match(select, /<option value="tunnel\." selected>/);
  assert.deepEqual([...select.matchAll(/ selected/g)].length, 1);
  // The filter reached the controller as chosen.
  assert.ok(
    app.seen.some((s) => s.path.includes("kind=tunnel.")),
    JSON.stringify(app.seen.map((s) => s.path)),
  );
});
