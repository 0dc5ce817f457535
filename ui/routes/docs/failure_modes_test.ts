import assert from "node:assert/strict";
import { testApp } from "../../_test_app.ts";
import { FAILURE_MODE_IDS, failureMode } from "../../../shared/failure_modes/catalogue.ts";

function upstream(_req: Request, url: URL): Response {
  if (url.pathname === "/api/admin/events") {
    return Response.json({
      events: [{
        id: "1",
        ts: "2026-01-01T00:00:00Z",
        kind: "renewal.refused",
        message: "renewal refused: internal CA mismatch during renewal",
        failure_mode: "4.2",
      }, {
        id: "2",
        ts: "2026-01-01T00:00:01Z",
        kind: "token.created",
        message: "token created",
        failure_mode: "<script>",
      }],
    });
  }
  if (url.pathname === "/api/admin/tunnelers/laptop-1") {
    return Response.json({ id: "laptop-1", status: "OFFLINE" });
  }
  if (url.pathname === "/api/admin/tunnelers") {
    return Response.json([{ id: "laptop-1", status: "OFFLINE" }, { id: "laptop-2", status: "ONLINE" }]);
  }
  return Response.json({ error: 'connector "nope" not found' }, { status: 404 });
}

Deno.test("GET /docs/failure-modes renders a section per catalogue id with its severity, behind the login", async () => {
  const { call, login } = testApp({ upstream });
  const anonymous = await call("/docs/failure-modes");
  await anonymous.body?.cancel();
  assert.deepEqual(anonymous.status, 303);
  const { cookie } = await login();
  const res = await call("/docs/failure-modes", { headers: { cookie } });
  assert.deepEqual(res.status, 200);
  const html = await res.text();
  for (const id of FAILURE_MODE_IDS) {
    const m = failureMode(id);
    assert.match(
      html,
      new RegExp(`<section id="${id.replace(".", "-")}"[^>]*><h2>${id.replace(".", "\\.")} `),
      id,
    );
    assert.match(
      html,
      new RegExp(RegExp.escape(`${m.severity}: ${m.severityReason.replaceAll("'", "&#39;")}`)),
    );
  }
  assert.match(html, /docs\/failure-modes\.md/);
});

Deno.test("/events shows an event's failure-mode id linking to its section; a value outside the catalogue shows nothing", async () => {
  const { call, login } = testApp({ upstream });
  const { cookie } = await login();
  const html = await (await call("/events", { headers: { cookie } })).text();
  assert.match(html, /<a class="failure-mode critical" href="\/docs\/failure-modes#4-2"[^>]*>\[4\.2\]<\/a>/);
  assert.ok(!html.includes('data-failure-mode="&lt;script'), html);
  assert.deepEqual([...html.matchAll(/data-failure-mode=/g)].length, 1);
});

Deno.test("/tunnelers and a tunneler's page show 3.2 beside an OFFLINE tunneler only", async () => {
  const { call, login } = testApp({ upstream });
  const { cookie } = await login();
  const html = await (await call("/tunnelers", { headers: { cookie } })).text();
  assert.deepEqual([...html.matchAll(/href="\/docs\/failure-modes#3-2"/g)].length, 1);
  assert.match(html, /data-id="laptop-1".*?\[3\.2\]/s);
  const detail = await (await call("/tunnelers/laptop-1", { headers: { cookie } })).text();
  assert.match(detail, /id="agent-status".*?href="\/docs\/failure-modes#3-2"/s);
});

Deno.test("a 404 from the controller for a proxied route is logged as [6.1] 404 Not Found with failure_mode", async () => {
  const { call, login, lines } = testApp({ upstream });
  const { cookie } = await login();
  const res = await call("/api/admin/connectors/nope", { headers: { cookie } });
  assert.deepEqual(res.status, 404);
  await res.body?.cancel();
  const line = lines.find((l) => l.includes("[6.1]"));
  assert.ok(line, lines.join("\n"));
  assert.match(
    line,
    /WARN {2}\[6\.1\] 404 Not Found from the controller: GET \/api\/admin\/connectors\/nope /,
  );
  assert.match(line, /failure_mode=6\.1/);
});
