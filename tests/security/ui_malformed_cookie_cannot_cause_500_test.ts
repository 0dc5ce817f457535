/** `Cookie: a=%` (a value that does not percent-decode) made every UI route answer 500. */
import assert from "node:assert/strict";
import { startUi } from "./_ui.ts";
import { sessionCookie } from "../support/ui_session.ts";

const COOKIES = ["a=%", "postern_session=%E0%A4%A", "postern_login_csrf=%zz; a=%", "=%", "%=%;;="];
const PATHS = ["/", "/login", "/connectors", "/events", "/api/admin/connectors", "/healthz", "/nowhere"];

Deno.test("no UI route answers 500 for a malformed Cookie header, and a valid session beside it still counts", async () => {
  const ui = await startUi();
  try {
    for (const cookie of COOKIES) {
      for (const path of PATHS) {
        const res = await ui.request(path, { headers: { cookie } });
        await res.body?.cancel();
        assert.ok(res.status < 500, `${path} with Cookie: ${cookie} answered ${res.status}`);
      }
      const login = await ui.login({ password: ui.password }, { headers: { cookie } });
      await login.body?.cancel();
      assert.deepEqual(login.status, 303, `login with Cookie: ${cookie}`);
      const session = sessionCookie(login)!;
      // GET /login sends a logged-in operator to the dashboard: the session was read.
      const page = await ui.request("/login", { headers: { cookie: `${cookie}; ${session}` } });
      await page.body?.cancel();
      assert.deepEqual([page.status, page.headers.get("location")], [303, "/"], `session beside ${cookie}`);
    }
    assert.deepEqual(ui.ui.lines.filter((l) => l.includes("request failed")), []);
  } finally {
    await ui.stop();
  }
});
