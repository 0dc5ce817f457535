/**
 * Failure mode 6.1: the UI's admin API calls answer 404 (in the original design a missing API
 * route; here an ADMIN_API_URL with a path, so every call misses the controller's routes). The
 * operator's request through the UI gets the 404, the UI logs `404 Not Found` with the id, no
 * data reaches the page, and `postern-ui doctor` fails 6.1 naming the route; with the right URL
 * every read route answers and the data arrives.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startCluster } from "../agents/_cluster.ts";
import { startUi } from "../security/_ui.ts";
import { assertLine, assertSymptom, doctorJson, failed, passed } from "./_symptom.ts";
import { sessionCookie } from "../support/ui_session.ts";

Deno.test('6.1 a UI whose admin API calls miss the routes answers 404, logs "[6.1] 404 Not Found", shows no data, and doctor fails 6.1', async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    await c.runConnector("c1", freePort(), {}, await c.token("connector", "c1"));
    const wrong = { ADMIN_API_URL: `${c.adminUrl}/wrong`, ADMIN_AUTH_TOKEN: c.adminToken };

    const ui = await startUi(wrong);
    const uiLines = ui.ui.lines;
    try {
      const login = await ui.login({ password: ui.password });
      await login.body?.cancel();
      const cookie = sessionCookie(login)!;
      const res = await ui.request("/api/admin/connectors", { headers: { cookie } });
      const body = await res.text();
      assert.deepEqual(res.status, 404, body);
      assert.ok(!body.includes('"c1"'), body);
      const line = await ui.ui.waitForLine("404", 10_000);
      assert.ok(line.includes("/api/admin/connectors"), line);
      const page = await ui.request("/connectors", { headers: { cookie } });
      assert.ok(!(await page.text()).includes(">c1<"), "the connectors page shows no connector");

      const doctor = await doctorJson("ui", wrong);
      assert.deepEqual(doctor.code, 1);
      const f = failed(doctor.findings, "6.1");
      assert.deepEqual(f.what, `GET ${c.adminUrl}/wrong/api/admin/connectors: 404 Not Found`);
      assert.ok(f.remedy.includes("ADMIN_API_URL"), f.remedy);
    } finally {
      await ui.stop();
    }

    // The right URL: every read route answers and the connector is there.
    const right = { ADMIN_API_URL: c.adminUrl, ADMIN_AUTH_TOKEN: c.adminToken };
    const doctor = await doctorJson("ui", right);
    assert.deepEqual(doctor.code, 0, JSON.stringify(doctor.findings));
    assert.deepEqual(doctor.findings.filter((f) => f.id === "6.1" && f.ok).length, 5);
    passed(doctor.findings, "clock");
    const ui2 = await startUi(right);
    try {
      const login = await ui2.login({ password: ui2.password });
      await login.body?.cancel();
      const cookie = sessionCookie(login)!;
      const res = await ui2.request("/api/admin/connectors", { headers: { cookie } });
      assert.deepEqual(res.status, 200);
      assertLine([await res.text()], '"c1"');
    } finally {
      await ui2.stop();
    }
    assertSymptom(uiLines, "6.1", "404 Not Found");
  } finally {
    await c.close();
  }
});
