/** The dashboard: live traffic per connector and tunneler, as the admin API reports it. */
import assert from "node:assert/strict";
import { testApp } from "../_test_app.ts";

function controller(_req: Request, url: URL): Response {
  if (url.pathname === "/api/admin/connectors") {
    return Response.json([
      { id: "office-1", status: "ONLINE", active_sessions: 3, bytes_in: 1536, bytes_out: 5 * 1024 * 1024 },
    ]);
  }
  if (url.pathname === "/api/admin/tunnelers") {
    return Response.json([{
      id: "laptop-1",
      status: "OFFLINE",
      active_sessions: null,
      bytes_in: null,
      bytes_out: null,
    }]);
  }
  if (url.pathname === "/api/admin/events") return Response.json({ events: [] });
  return Response.json({ error: "no route" }, { status: 404 });
}

Deno.test("the dashboard shows each agent's sessions and bytes each way, and a dash where none were reported", async () => {
  const app = testApp({ upstream: controller });
  const { cookie } = await app.login();
  const html = await (await app.call("/", { headers: { cookie } })).text();
  const table = html.match(/<table id="traffic">([\s\S]*?)<\/table>/)?.[1];
  assert.ok(table, "no traffic table");
  const row = (id: string) =>
    table.match(new RegExp(`<tr[^>]*data-id="${id}"[^>]*>([\\s\\S]*?)</tr>`))?.[1] ?? "";
  assert.match(row("office-1"), /<td class="num" data-sessions="true">3<\/td>/);
  assert.match(row("office-1"), />1\.5 KiB<\/td>/);
  assert.match(row("office-1"), />5\.0 MiB<\/td>/);
  assert.match(row("laptop-1"), /<td class="num" data-sessions="true">—<\/td>/);
  assert.ok(!row("laptop-1").includes(" B<"), row("laptop-1"));
});
