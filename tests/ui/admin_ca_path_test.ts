/**
 * `ADMIN_CA_PATH`: with an `https://` ADMIN_API_URL the UI trusts that CA for its admin API calls.
 * The admin API here is a small HTTPS server on loopback with a certificate from a test CA (the
 * controller's own HTTPS is another change); an unreadable file ends the UI with exit 2 naming it.
 */
import { makeTestPki } from "../../shared/pki/testing.ts";
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { sessionCookie } from "../support/ui_session.ts";

const TOKEN = "admin-token-for-the-https-stand-in";

async function httpsAdminApi() {
  const pki = await makeTestPki();
  const svid = await pki.issue("controller", "admin-api", { ipSans: ["127.0.0.1"] });
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: svid.certPem,
    key: svid.keyPem,
    onListen() {},
  }, (req) => {
    if (req.headers.get("authorization") !== `Bearer ${TOKEN}`) {
      return Response.json({ error: "unauthorized" }, { status: 401 });
    }
    return Response.json({ connectors: [{ id: "seen-over-https" }] });
  });
  return { pki, server, url: `https://127.0.0.1:${server.addr.port}` };
}

async function uiWith(env: Record<string, string>) {
  const port = freePort();
  const password = "pw-admin-ca-path";
  const ui = startProgram("ui", {
    env: { ADMIN_AUTH_TOKEN: TOKEN, UI_ADDR: `127.0.0.1:${port}`, UI_ADMIN_PASSWORD: password, ...env },
  });
  await ui.waitForLine("listening on").catch(async (error) => {
    await ui.stop();
    throw error;
  });
  const url = `http://127.0.0.1:${port}`;
  const login = await fetch(`${url}/login`, {
    method: "POST",
    body: new URLSearchParams({ password }),
    redirect: "manual",
  });
  await login.body?.cancel();
  const cookie = sessionCookie(login)!;
  return { ui, get: (path: string) => fetch(url + path, { headers: { cookie } }) };
}

Deno.test("postern-ui reaches an https admin API through the CA named by ADMIN_CA_PATH, and not without it", async () => {
  await using dir = await tempDir("postern-ui-admin-ca-");
  const api = await httpsAdminApi();
  const caPath = `${dir.path}/admin-ca.crt`;
  await Deno.writeTextFile(caPath, api.pki.caPem);
  const trusting = await uiWith({ ADMIN_API_URL: api.url, ADMIN_CA_PATH: caPath });
  const untrusting = await uiWith({ ADMIN_API_URL: api.url });
  try {
    const ok = await trusting.get("/api/admin/connectors");
    assert.deepEqual([ok.status, await ok.json()], [200, { connectors: [{ id: "seen-over-https" }] }]);
    const refused = await untrusting.get("/api/admin/connectors");
    assert.deepEqual(refused.status, 502);
    assert.match(
      (await refused.json()).error,
      new RegExp(RegExp.escape(`controller unreachable at ${api.url}`)),
    );
  } finally {
    await Promise.all([trusting.ui.stop(), untrusting.ui.stop()]);
    await api.server.shutdown();
  }
});

for (const [name, write] of [["missing", false], ["not PEM", true]] as const) {
  Deno.test(`postern-ui exits 2 naming ADMIN_CA_PATH when the file is ${name}`, async () => {
    await using dir = await tempDir("postern-ui-admin-ca-");
    const caPath = `${dir.path}/admin-ca.crt`;
    if (write) await Deno.writeTextFile(caPath, "not a certificate\n");
    const ui = startProgram("ui", {
      env: {
        ADMIN_API_URL: "https://127.0.0.1:9",
        ADMIN_AUTH_TOKEN: TOKEN,
        ADMIN_CA_PATH: caPath,
        UI_ADDR: `127.0.0.1:${freePort()}`,
        UI_ADMIN_PASSWORD: "pw",
      },
    });
    assert.deepEqual(await ui.exited, 2);
    assert.match(ui.lines.join("\n"), /postern-ui: ADMIN_CA_PATH: /);
    assert.match(ui.lines.join("\n"), new RegExp(RegExp.escape(`"${caPath}"`)));
  });
}
