import assert from "node:assert/strict";
import { ControllerUnreachableError } from "./lib/admin_client.ts";
import { ADMIN_ROUTES } from "./routes/api/admin/contract.ts";
import { ADMIN_TOKEN, PASSWORD, testApp } from "./_test_app.ts";

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

Deno.test("createApp() redirects pages to /login and answers 401 JSON on /api/admin/* without a session", async () => {
  const { call, seen } = testApp();
  for (const path of ["/", "/connectors", "/connectors/c1", "/tunnelers", "/tokens", "/events"]) {
    const res = await call(path);
    await res.body?.cancel();
    assert.deepEqual(res.status, 303, path);
    assert.match(res.headers.get("location")!, /^\/login/);
  }
  for (const [method, path] of ADMIN_ROUTES) {
    const res = await call(path.replace(/\{\w+\}/, "x"), { method });
    assert.deepEqual(res.status, 401, `${method} ${path}`);
    assert.match((await res.json()).error, /not logged in/);
  }
  assert.deepEqual(seen.length, 0);
});

Deno.test("POST /login refuses a wrong password and sets an HttpOnly SameSite=Strict cookie on the right one", async () => {
  const { call } = testApp();
  const wrong = await call("/login", { method: "POST", body: form({ password: "nope" }) });
  assert.deepEqual(wrong.status, 401);
  assert.match(await wrong.text(), /Wrong password/);
  assert.ok(!wrong.headers.getSetCookie().some((c) => c.startsWith("postern_session=")));

  const ok = await call("/login", { method: "POST", body: form({ password: PASSWORD }) });
  assert.deepEqual(ok.status, 303);
  assert.deepEqual(ok.headers.get("location"), "/");
  const cookie = ok.headers.getSetCookie().find((c) => c.startsWith("postern_session="))!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.ok(!/Secure/.test(cookie), "no Secure over plain HTTP");

  const https = await call("/login", {
    method: "POST",
    body: form({ password: PASSWORD }),
    headers: { "x-forwarded-proto": "https" },
  });
  assert.match(https.headers.getSetCookie().find((c) => c.startsWith("postern_session="))!, /; Secure/);
});

Deno.test("POST /login checks the form's CSRF token against its cookie and refuses cross-site posts", async () => {
  const { call } = testApp();
  const page = await call("/login");
  const html = await page.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const cookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
  const good = await call("/login", {
    method: "POST",
    headers: { cookie },
    body: form({ _csrf: token, password: PASSWORD }),
  });
  assert.deepEqual(good.status, 303);
  const forged = await call("/login", {
    method: "POST",
    headers: { cookie },
    body: form({ _csrf: "x", password: PASSWORD }),
  });
  assert.deepEqual(forged.status, 403);
  await forged.body?.cancel();
  const crossSite = await call("/login", {
    method: "POST",
    headers: { origin: "https://evil.example" },
    body: form({ password: PASSWORD }),
  });
  assert.deepEqual(crossSite.status, 403);
  await crossSite.body?.cancel();
  const fetchMeta = await call("/login", {
    method: "POST",
    headers: { "sec-fetch-site": "cross-site" },
    body: form({ password: PASSWORD }),
  });
  assert.deepEqual(fetchMeta.status, 403);
  await fetchMeta.body?.cancel();
  const sameOrigin = await call("/login", {
    method: "POST",
    headers: { "sec-fetch-site": "same-origin", origin: "null" },
    body: form({ password: PASSWORD }),
  });
  assert.deepEqual(sameOrigin.status, 303);
});

Deno.test("POST /login answers 429 with Retry-After after 5 failures from one IP", async () => {
  const { call } = testApp();
  for (let i = 0; i < 5; i++) {
    const res = await call("/login", { method: "POST", body: form({ password: `wrong${i}` }) });
    assert.deepEqual(res.status, 401);
    await res.body?.cancel();
  }
  const limited = await call("/login", { method: "POST", body: form({ password: PASSWORD }) });
  assert.deepEqual(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.match(await limited.text(), /Too many failed logins/);
});

Deno.test("sessions expire and POST /logout ends one", async () => {
  let now = 1_000_000;
  const { call, login } = testApp({ now: () => now });
  const { cookie, csrf } = await login();
  assert.deepEqual((await call("/connectors", { headers: { cookie } })).status, 200);
  // Logout needs the CSRF token.
  const noCsrf = await call("/logout", { method: "POST", headers: { cookie }, body: form({}) });
  assert.deepEqual(noCsrf.status, 403);
  await noCsrf.body?.cancel();
  const out = await call("/logout", { method: "POST", headers: { cookie }, body: form({ _csrf: csrf }) });
  assert.deepEqual(out.status, 303);
  assert.match(out.headers.get("set-cookie")!, /Max-Age=0/);
  const after = await call("/api/admin/connectors", { headers: { cookie } });
  assert.deepEqual(after.status, 401);
  await after.body?.cancel();

  const second = await login();
  now += 3_600_001;
  const expired = await call("/", { headers: { cookie: second.cookie } });
  assert.deepEqual(expired.status, 303);
  await expired.body?.cancel();
});

Deno.test("/api/admin/* proxies every contract route with the bearer token (6.1: no 404)", async () => {
  const { call, login, seen } = testApp();
  const { cookie, csrf } = await login();
  seen.length = 0;
  for (const [method, template, body] of ADMIN_ROUTES) {
    const path = template.replace(/\{\w+\}/, "abc");
    const res = await call(path, {
      method,
      headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.deepEqual(res.status, 200, `${method} ${path}`);
    await res.body?.cancel();
    const last = seen.at(-1)!;
    assert.deepEqual([last.method, last.path], [method, path]);
    assert.deepEqual(last.auth, `Bearer ${ADMIN_TOKEN}`);
    if (body !== undefined) assert.deepEqual(JSON.parse(last.body), body);
  }
});

Deno.test("/api/admin/* passes controller errors through and answers 502 when it is unreachable", async () => {
  const failing = testApp({
    upstream: () => Response.json({ error: 'connector "zz" not found' }, { status: 404 }),
  });
  let s = await failing.login();
  const res = await failing.call("/api/admin/connectors/zz", { headers: { cookie: s.cookie } });
  assert.deepEqual(res.status, 404);
  assert.deepEqual(await res.json(), { error: 'connector "zz" not found' });

  const down = testApp({
    upstream: () => {
      throw new TypeError("error sending request: Connection refused");
    },
  });
  s = await down.login();
  const proxied = await down.call("/api/admin/connectors", { headers: { cookie: s.cookie } });
  assert.deepEqual(proxied.status, 502);
  assert.match((await proxied.json()).error, /controller unreachable at http:\/\/controller\.test:8080/);
  const page = await down.call("/connectors", { headers: { cookie: s.cookie } });
  assert.deepEqual(page.status, 502);
  const html = await page.text();
  assert.match(html, /id="error-banner"/);
  assert.match(html, /controller unreachable/);
  assert.match(html, /<h1>Connectors<\/h1>/);
});

Deno.test("/api/admin/* refuses writes without the session's CSRF token and never calls the controller", async () => {
  const { call, login, seen } = testApp();
  const { cookie } = await login();
  seen.length = 0;
  const res = await call("/api/admin/tokens", { method: "POST", headers: { cookie }, body: "{}" });
  assert.deepEqual(res.status, 403);
  await res.body?.cancel();
  const form403 = await call("/connectors/c1/allowlist", {
    method: "POST",
    headers: { cookie },
    body: form({}),
  });
  assert.deepEqual(form403.status, 403);
  await form403.body?.cancel();
  assert.deepEqual(seen.length, 0);
});

const CONNECTORS = [{
  id: "office-1",
  spiffe_id: "spiffe://postern.internal/connector/office-1",
  private_ip: "10.0.0.5",
  version: "0.1.0",
  status: "ONLINE",
  last_seen: new Date().toISOString(),
  cert_expires_at: new Date(Date.now() + 3_600_000).toISOString(),
}];

function fakeController(req: Request, url: URL): Response {
  if (url.pathname === "/api/admin/connectors") return Response.json(CONNECTORS);
  if (url.pathname === "/api/admin/connectors/office-1") return Response.json(CONNECTORS[0]);
  if (url.pathname === "/api/admin/tunnelers") return Response.json([{ id: "laptop-1", status: "OFFLINE" }]);
  if (url.pathname === "/api/admin/tunnelers/laptop-1" && req.method === "DELETE") return Response.json({});
  if (url.pathname.endsWith("/allowlist")) return Response.json({ tunnelers: ["laptop-1"] });
  if (url.pathname.endsWith("/resources")) return Response.json({ resources: ["db.internal:5432"] });
  if (url.pathname === "/api/admin/events") {
    return Response.json({
      events: [{
        id: "1",
        ts: "2026-01-01T00:00:00Z",
        kind: "connector.online",
        agent: "office-1",
        message: "connector office-1 is ONLINE",
      }],
    });
  }
  if (url.pathname === "/api/admin/tokens" && req.method === "POST") {
    return Response.json({
      id: "0123456789abcdef",
      token: "SECRET-ENROLLMENT-TOKEN",
      role: "tunneler",
      expires_at: "2030-01-01T00:00:00Z",
      note: "",
    }, { status: 201 });
  }
  if (url.pathname === "/api/admin/tokens") {
    return Response.json([{
      id: "0123456789abcdef",
      role: "tunneler",
      status: "active",
      expires_at: "2030-01-01T00:00:00Z",
    }]);
  }
  return Response.json({ error: "no route" }, { status: 404 });
}

Deno.test("pages render the controller's data and island props never hold the admin token", async () => {
  const { call, login } = testApp({ upstream: fakeController });
  const { cookie } = await login();
  for (
    const path of [
      "/",
      "/connectors",
      "/connectors/office-1",
      "/tunnelers",
      "/events?kind=connector.online",
      "/tokens",
    ]
  ) {
    const res = await call(path, { headers: { cookie } });
    assert.deepEqual(res.status, 200, path);
    const html = await res.text();
    assert.ok(!html.includes(ADMIN_TOKEN), `${path} leaks the admin token`);
    assert.match(html, /<script type="module" src="\/static\/build\/islands-test\.js"/);
    for (const [, json] of html.matchAll(/<script type="application\/json">(.*?)<\/script>/g)) {
      JSON.parse(json!);
    }
  }
  const dash = await (await call("/", { headers: { cookie } })).text();
  assert.match(dash, /data-island="Dashboard"/);
  assert.match(dash, /1 online/);
  const detail = await (await call("/connectors/office-1", { headers: { cookie } })).text();
  assert.match(detail, /value="laptop-1" checked/);
  assert.match(detail, /db\.internal:5432/);
  assert.match(detail, /10\.0\.0\.5/);
});

Deno.test("POST /tokens shows the token once with its install snippet, uncached", async () => {
  const { call, login, seen } = testApp({ upstream: fakeController });
  const { cookie, csrf } = await login();
  const res = await call("/tokens", {
    method: "POST",
    headers: { cookie },
    body: form({ _csrf: csrf, role: "tunneler", agent_id: "laptop-2", ttl: "3600", note: "" }),
  });
  assert.deepEqual(res.status, 201);
  assert.deepEqual(res.headers.get("cache-control"), "no-store");
  const html = await res.text();
  assert.match(html, /SECRET-ENROLLMENT-TOKEN/);
  assert.match(html, /TUNNELER_ID=laptop-2/);
  assert.match(html, /CONTROLLER_ADDR=controller\.test:8443/);
  assert.match(html, /CONTROLLER_CA_PATH=\/etc\/postern\/ca\.crt/);
  assert.match(html, /ENROLLMENT_TOKEN=SECRET-ENROLLMENT-TOKEN/);
  // The tunneler pins the ONLINE connector it is told to dial, by id.
  assert.match(html, /CONNECTOR_ADDR=office-1@10\.0\.0\.5:9443/);
  assert.match(html, /systemctl enable --now postern-tunneler/);
  assert.match(html, /\/etc\/postern\/tunneler\.conf/);
  const sent = seen.find((s) => s.method === "POST")!;
  assert.deepEqual(JSON.parse(sent.body), {
    role: "tunneler",
    id: "laptop-2",
    ttl_seconds: 3600,
    note: "tunneler laptop-2",
  });
  const list = await (await call("/tokens", { headers: { cookie } })).text();
  assert.ok(!list.includes("SECRET-ENROLLMENT-TOKEN"));
});

Deno.test("POST /connectors/:id/resources refuses invalid entries without calling the controller", async () => {
  const { call, login, seen } = testApp({ upstream: fakeController });
  const { cookie, csrf } = await login();
  seen.length = 0;
  const res = await call("/connectors/office-1/resources", {
    method: "POST",
    headers: { cookie },
    body: form({ _csrf: csrf, resources: "db.internal:5432\nnot a host:99999" }),
  });
  assert.deepEqual(res.status, 400);
  assert.match(await res.text(), /port must be 1-65535/);
  assert.ok(!seen.some((s) => s.method === "PUT"));
  const ok = await call("/connectors/office-1/resources", {
    method: "POST",
    headers: { cookie },
    body: form({ _csrf: csrf, resources: "db.internal:5432\n10.0.0.0/24:443" }),
  });
  assert.deepEqual(ok.status, 303);
  assert.deepEqual(JSON.parse(seen.find((s) => s.method === "PUT")!.body), {
    resources: ["db.internal:5432", "10.0.0.0/24:443"],
  });
});

Deno.test("POST /connectors/:id/allowlist saves the picked tunnelers", async () => {
  const { call, login, seen } = testApp({ upstream: fakeController });
  const { cookie, csrf } = await login();
  const body = form({ _csrf: csrf });
  body.append("tunnelers", "laptop-1");
  body.append("tunnelers", "laptop-2");
  const res = await call("/connectors/office-1/allowlist", { method: "POST", headers: { cookie }, body });
  assert.deepEqual(res.status, 303);
  assert.deepEqual(res.headers.get("location"), "/connectors/office-1?saved=allowlist");
  const put = seen.find((s) => s.method === "PUT")!;
  assert.deepEqual([put.path, JSON.parse(put.body)], ["/api/admin/connectors/office-1/allowlist", {
    tunnelers: ["laptop-1", "laptop-2"],
  }]);
});

Deno.test("static files are served immutable with an ETag and answer 304 to If-None-Match", async () => {
  const { call } = testApp();
  const res = await call("/static/build/islands-test.js");
  assert.deepEqual(res.status, 200);
  assert.match(res.headers.get("cache-control")!, /immutable/);
  assert.deepEqual(res.headers.get("etag"), '"abc"');
  await res.body?.cancel();
  const again = await call("/static/build/islands-test.js", { headers: { "if-none-match": '"abc"' } });
  assert.deepEqual(again.status, 304);
});

Deno.test("GET /events passes the kind and agent filters to the controller", async () => {
  const { call, login, seen } = testApp({ upstream: fakeController });
  const { cookie } = await login();
  seen.length = 0;
  const res = await call("/events?kind=connector.online&agent=office-1", { headers: { cookie } });
  assert.deepEqual(res.status, 200);
  const html = await res.text();
  assert.deepEqual(seen.map((s) => s.path), [
    "/api/admin/events?kind=connector.online&agent=office-1&limit=100",
  ]);
  assert.match(html, /value="connector\.online"/);
  assert.match(html, /connector office-1 is ONLINE/);
});

Deno.test("revoking a connector or a tunneler asks for confirmation first, then DELETEs it; the list says so", async () => {
  const { call, login, seen } = testApp({ upstream: fakeController });
  const { cookie, csrf } = await login();
  for (const [kind, id] of [["connector", "office-1"], ["tunneler", "laptop-1"]] as const) {
    seen.length = 0;
    const confirm = await call(`/${kind}s/${id}/revoke`, { headers: { cookie } });
    assert.deepEqual(confirm.status, 200);
    assert.match(await confirm.text(), /id="confirm-revoke"/);
    assert.deepEqual(seen.length, 0);
    const done = await call(`/${kind}s/${id}/revoke`, {
      method: "POST",
      headers: { cookie },
      body: form({ _csrf: csrf }),
    });
    assert.deepEqual(done.status, 303);
    assert.deepEqual(done.headers.get("location"), `/${kind}s?revoked=${id}`);
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [`DELETE /api/admin/${kind}s/${id}`]);
    const list = await call(`/${kind}s?revoked=${id}`, { headers: { cookie } });
    assert.deepEqual(list.status, 200);
    const html = await list.text();
    assert.match(html, new RegExp(RegExp.escape(`${kind[0]!.toUpperCase()}${kind.slice(1)} ${id} revoked`)));
    assert.match(
      html,
      new RegExp(RegExp.escape(`<a class="button" href="/tokens?role=${kind}">New ${kind} token</a>`)),
    );
    assert.match(html, new RegExp(RegExp.escape(`<table id="${kind}s">`)));
  }
});

Deno.test("POST /login evaluates exactly 5 of 60 parallel wrong passwords and never locks out another address", async () => {
  const { call, counters } = testApp();
  const answers = await Promise.all(
    Array.from(
      { length: 60 },
      (_, i) => call("/login", { method: "POST", body: form({ password: `guess${i}` }) }),
    ),
  );
  const statuses = answers.map((r) => r.status);
  await Promise.all(answers.map((r) => r.body?.cancel()));
  assert.deepEqual(counters.evaluations, 5);
  assert.deepEqual(statuses.filter((s) => s === 401).length, 5);
  assert.deepEqual(statuses.filter((s) => s === 429).length, 55);
  const other = await call("/login", { method: "POST", body: form({ password: PASSWORD }) }, "198.51.100.20");
  assert.deepEqual(other.status, 303);
});

Deno.test("POST /login believes X-Forwarded-For only from a UI_TRUSTED_PROXIES peer", async () => {
  const { call, lines } = testApp({ trustedProxies: "127.0.0.2" });
  const attempt = (password: string, from: string, xff: string) =>
    call("/login", { method: "POST", headers: { "x-forwarded-for": xff }, body: form({ password }) }, from);
  // A direct client rotating a spoofed header is still one address.
  for (let i = 0; i < 5; i++) {
    await (await attempt(`guess${i}`, "192.0.2.9", `203.0.113.${i}`)).body?.cancel();
  }
  const spoofed = await attempt(PASSWORD, "192.0.2.9", "198.51.100.77");
  assert.deepEqual(spoofed.status, 429);
  assert.match(spoofed.headers.get("retry-after")!, /^[1-9]\d*$/);
  await spoofed.body?.cancel();
  // Through the trusted proxy, the attacker's failures stay with the attacker's address.
  for (let i = 0; i < 6; i++) await (await attempt(`guess${i}`, "127.0.0.2", "203.0.113.50")).body?.cancel();
  const operator = await attempt(PASSWORD, "127.0.0.2", "203.0.113.50, 198.51.100.77");
  assert.deepEqual(operator.status, 303);
  assert.match(lines.join("\n"), /operator logged in client=198\.51\.100\.77/);
});

Deno.test("no route answers 500 for a malformed Cookie header, and the valid pairs still count", async () => {
  const { call, login } = testApp();
  const { cookie } = await login();
  for (const bad of ["a=%", "a=%E0%A4%A", "=", ";;", "%=%", "a=%zz"]) {
    for (const path of ["/", "/login", "/connectors", "/api/admin/connectors", "/healthz", "/nope"]) {
      const res = await call(path, { headers: { cookie: bad } });
      await res.body?.cancel();
      assert.ok(res.status < 500, `${path} with Cookie ${bad} answered ${res.status}`);
    }
    const withSession = await call("/connectors", { headers: { cookie: `${bad}; ${cookie}` } });
    await withSession.body?.cancel();
    assert.deepEqual(withSession.status, 200, `session next to ${bad}`);
  }
});

Deno.test("POST /login redirects only to a same-origin path", async () => {
  const { call } = testApp();
  for (
    const [next, location] of [["/%5Cevil.example", "/"], ["//evil.example", "/"], ["/events", "/events"]]
  ) {
    const res = await call("/login", { method: "POST", body: form({ password: PASSWORD, next: next! }) });
    assert.deepEqual([res.status, res.headers.get("location")], [303, location], String(next));
  }
});

Deno.test("/api/admin/ca/* writes are refused with 403 however spelled and never reach the controller", async () => {
  const { call, login, seen } = testApp();
  const { cookie, csrf } = await login();
  seen.length = 0;
  const paths = [
    "/api/admin/ca/rotate/prepare",
    "/api/admin/ca/rotate/activate",
    "/api/admin/ca/rotate/retire",
    "/api/admin/ca",
    "/api/admin/CA/rotate/prepare",
    "/api/admin/%63a/rotate/prepare",
    "/api/admin//ca/rotate/prepare",
    "/api/admin/ca%2Frotate%2Fprepare",
    "/api/admin/x/../ca/rotate/prepare",
  ];
  for (const path of paths) {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await call(path, {
        method,
        headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
        body: JSON.stringify({
          cert_pem: "-----BEGIN CERTIFICATE-----",
          key_pem: "-----BEGIN PRIVATE KEY-----",
        }),
      });
      assert.deepEqual(res.status, 403, `${method} ${path}`);
      assert.match((await res.json()).error, /CA rotation is not done through the UI/);
    }
  }
  assert.deepEqual([...seen], []);
  const read = await call("/api/admin/ca", { headers: { cookie } });
  assert.deepEqual(read.status, 200);
  await read.body?.cancel();
  assert.deepEqual(seen.map((s) => [s.method, s.path]), [["GET", "/api/admin/ca"]]);
});

Deno.test("oversized login forms, proxied writes and headers are refused with 413 and 431", async () => {
  const { call, login, seen, counters } = testApp();
  const big = await call("/login", { method: "POST", body: form({ password: "x".repeat(9000) }) });
  assert.deepEqual(big.status, 413);
  await big.body?.cancel();
  assert.deepEqual(counters.evaluations, 0);
  const { cookie, csrf } = await login();
  seen.length = 0;
  const write = await call("/api/admin/connectors/c1/resources", {
    method: "PUT",
    headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
    body: JSON.stringify({ resources: ["a".repeat(1024 * 1024)] }),
  });
  assert.deepEqual(write.status, 413);
  assert.match((await write.json()).error, /Request body larger than 1048576 bytes/);
  assert.deepEqual([...seen], []);
  const headers = await call("/", { headers: { cookie, "x-padding": "p".repeat(40 * 1024) } });
  assert.deepEqual(headers.status, 431);
  await headers.body?.cancel();
});

Deno.test("/healthz answers ok and /favicon.ico 204, both without a session", async () => {
  const { call } = testApp();
  const health = await call("/healthz");
  assert.deepEqual([health.status, await health.text()], [200, "ok\n"]);
  const icon = await call("/favicon.ico");
  await icon.body?.cancel();
  assert.deepEqual([icon.status, icon.headers.get("cache-control")], [204, "public, max-age=86400"]);
});

Deno.test("routes and components never import server.tsx (which imports the routes): they take context.ts", async () => {
  const offenders: string[] = [];
  const walk = async (dir: URL) => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await walk(url);
      else if (/\.tsx?$/.test(e.name) && /from "[./]*\/?server\.tsx"/.test(await Deno.readTextFile(url))) {
        offenders.push(url.pathname);
      }
    }
  };
  await walk(new URL("./routes/", import.meta.url));
  await walk(new URL("./components/", import.meta.url));
  assert.deepEqual(offenders, []);
});

Deno.test("every page shows the outage banner to a logged-in operator, never on the login page", async () => {
  const { call, login, outage } = testApp();
  const { cookie } = await login();
  const expires = new Date(Date.now() + 30 * 60_000).toISOString();
  outage.listed("connectors", [{ id: "c1", status: "ONLINE", cert_expires_at: expires }]);
  outage.listed("tunnelers", []);
  for (const path of ["/", "/connectors", "/events"]) {
    assert.ok(!(await (await call(path, { headers: { cookie } })).text()).includes("outage-banner"), path);
  }
  outage.failed(
    new ControllerUnreachableError("controller unreachable at http://controller.test:8080: refused"),
  );
  for (const path of ["/", "/connectors", "/tokens", "/events", "/no-such-page"]) {
    const html = await (await call(path, { headers: { cookie } })).text();
    assert.match(html, /id="outage-banner"/, path);
    assert.match(html, new RegExp(RegExp.escape(`data-expires-at="${expires}"`)), path);
    assert.match(html, /data-agents="c1"/, path);
    assert.match(
      html,
      /Controller unreachable since \d\d:\d\d:\d\d UTC \(0 s\); the first certificates expire at/,
    );
  }
  const loginPage = await (await call("/login")).text();
  assert.ok(!loginPage.includes("outage-banner"), "the login page names no agent");
  const live = await (await call("/api/outage", { headers: { cookie } })).json();
  assert.deepEqual(live.banner.agents, ["c1"]);
  assert.deepEqual(live.banner.expiresAt, expires);
  const anonymous = await call("/api/outage");
  await anonymous.body?.cancel();
  assert.ok(anonymous.status !== 200, `/api/outage without a session answered ${anonymous.status}`);
  outage.listed("connectors", []);
  assert.deepEqual(await (await call("/api/outage", { headers: { cookie } })).json(), { banner: null });
});
