import assert from "node:assert/strict";
import { bearerAuth } from "../../controller/admin/auth.ts";
import { ADMIN_TOKEN, enroll, startHarness } from "./harness.ts";

Deno.test("bearerAuth() refuses missing (401), malformed (400) and wrong (401) tokens without running the handler", async () => {
  let ran = 0;
  const h = bearerAuth("secret-token-1234567", () => {
    ran++;
    return new Response("ok");
  });
  const req = (auth?: string) =>
    new Request("http://x/api/admin/tokens", auth ? { headers: { authorization: auth } } : {});
  const missing = await h(req());
  assert.equal(missing.status, 401);
  assert.ok(missing.headers.get("www-authenticate")?.startsWith("Bearer"));
  assert.ok((await missing.json()).error);
  assert.equal((await h(req("Basic abc"))).status, 400);
  assert.equal((await h(req("Bearer"))).status, 400);
  assert.equal((await h(req("Bearer wrong-token"))).status, 401);
  assert.equal(ran, 0);
  assert.equal((await h(req("Bearer secret-token-1234567"))).status, 200);
  assert.equal(ran, 1);
});

Deno.test("admin API: tokens are created once with the secret, listed without it, revoked", async () => {
  await using h = await startHarness();
  const res = await h.admin("/api/admin/tokens", {
    method: "POST",
    json: { role: "connector", ttl_seconds: 600, note: "rack 4" },
  });
  assert.equal(res.status, 201);
  const created = await res.json();
  assert.deepEqual(Object.keys(created).sort(), ["agent_id", "expires_at", "id", "note", "role", "token"]);
  assert.equal(created.agent_id, null);
  assert.match(created.expires_at, /Z$/);
  assert.ok(created.token.length >= 40);
  const listText = await (await h.admin("/api/admin/tokens")).text();
  assert.ok(!listText.includes(created.token));
  // The secret is everything after "pt_<id>_"; it may itself contain "_" (base64url).
  const secret = /^pt_[0-9a-f]{16}_(.+)$/.exec(created.token)?.[1];
  assert.ok(secret && secret.length >= 40, created.token);
  assert.ok(!listText.includes(secret));
  const list = JSON.parse(listText);
  assert.equal(list[0].status, "active");
  assert.equal((await h.admin(`/api/admin/tokens/${created.id}`, { method: "DELETE" })).status, 200);
  assert.equal((await (await h.admin("/api/admin/tokens")).json())[0].status, "revoked");
  assert.equal((await h.admin("/api/admin/tokens/0000000000000000", { method: "DELETE" })).status, 404);
  assert.equal((await h.admin("/api/admin/tokens/nothex", { method: "DELETE" })).status, 400);
});

Deno.test("admin API: a token created with an id is bound to it, in the answer and the listing", async () => {
  await using h = await startHarness();
  const res = await h.admin("/api/admin/tokens", {
    method: "POST",
    json: { role: "tunneler", id: "laptop-1" },
  });
  assert.equal(res.status, 201);
  const created = await res.json();
  assert.equal(created.agent_id, "laptop-1");
  const [listed] = await (await h.admin("/api/admin/tokens")).json();
  assert.deepEqual([listed.id, listed.agent_id], [created.id, "laptop-1"]);
});

Deno.test("admin API: malformed input gets 400, oversized 413, unknown 404, wrong method 405 — never 500", async () => {
  await using h = await startHarness();
  const cases: Array<[string, RequestInit, number]> = [
    ["/api/admin/tokens", { method: "POST", body: "{not json" }, 400],
    ["/api/admin/tokens", { method: "POST", body: "[]" }, 400],
    ["/api/admin/tokens", { method: "POST", body: JSON.stringify({ role: "admin" }) }, 400],
    [
      "/api/admin/tokens",
      { method: "POST", body: JSON.stringify({ role: "connector", ttl_seconds: "10" }) },
      400,
    ],
    ["/api/admin/tokens", { method: "POST", body: JSON.stringify({ role: "connector", note: 5 }) }, 400],
    ["/api/admin/tokens", { method: "POST", body: JSON.stringify({ role: "connector", extra: 1 }) }, 400],
    ["/api/admin/tokens", { method: "POST", body: JSON.stringify({ role: "tunneler", id: 7 }) }, 400],
    ["/api/admin/tokens", { method: "POST", body: JSON.stringify({ role: "tunneler", id: "bad id" }) }, 400],
    ["/api/admin/tokens", { method: "POST", body: "x".repeat(1024 * 1024 + 10) }, 413],
    ["/api/admin/tokens", { method: "PATCH" }, 405],
    ["/api/admin/connectors/bad%20id", {}, 400],
    ["/api/admin/connectors/nope", {}, 404],
    ["/api/admin/connectors/nope", { method: "DELETE" }, 404],
    ["/api/admin/tunnelers/nope", {}, 404],
    ["/api/admin/connectors/c1/allowlist", { method: "PUT", body: JSON.stringify({ tunnelers: "t1" }) }, 400],
    [
      "/api/admin/connectors/c1/allowlist",
      { method: "PUT", body: JSON.stringify({ tunnelers: ["bad id"] }) },
      400,
    ],
    ["/api/admin/connectors/c1/allowlist", { method: "PUT", body: JSON.stringify({ tunnelers: [1] }) }, 400],
    ["/api/admin/connectors/c1/resources", {
      method: "PUT",
      body: JSON.stringify({ resources: ["db:99999"] }),
    }, 400],
    ["/api/admin/connectors/c1/resources", {
      method: "PUT",
      body: JSON.stringify({ resources: ["10.0.0.0/33:80"] }),
    }, 400],
    ["/api/admin/connectors/c1/resources", {
      method: "PUT",
      body: JSON.stringify({ resources: ["no port"] }),
    }, 400],
    ["/api/admin/connectors/c1/resources", { method: "POST", body: "{}" }, 405],
    ["/api/admin/events?limit=0", {}, 400],
    ["/api/admin/events?before=zz", {}, 400],
    ["/api/admin/nothing", {}, 404],
    ["/api/admin/ca/rotate/activate", { method: "POST", body: JSON.stringify({ fingerprint: "00" }) }, 404],
    ["/api/admin/ca/rotate/prepare", {
      method: "POST",
      body: JSON.stringify({ cert_pem: "x", key_pem: "y" }),
    }, 400],
    ["/api/admin/ca/rotate/prepare", { method: "POST", body: JSON.stringify({}) }, 400],
  ];
  for (const [path, init, want] of cases) {
    const res = await h.admin(path, init);
    const body = await res.json();
    assert.equal(res.status, want, `${init.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
    assert.equal(typeof body.error, "string");
  }
  const unauth = await h.admin("/api/admin/connectors", { headers: { authorization: "Bearer nope" } });
  assert.equal(unauth.status, 401);
  await unauth.body?.cancel();
});

Deno.test("admin API: allowlist and resources round-trip with validation", async () => {
  await using h = await startHarness();
  const put = await h.admin("/api/admin/connectors/c1/resources", {
    method: "PUT",
    json: { resources: ["db.internal:5432", "10.0.0.0/24:443", "192.168.1.10:22", "[fd00::1]:80"] },
  });
  assert.equal(put.status, 200);
  assert.deepEqual((await (await h.admin("/api/admin/connectors/c1/resources")).json()).resources, [
    "db.internal:5432",
    "10.0.0.0/24:443",
    "192.168.1.10:22",
    "[fd00::1]:80",
  ]);
  await (await h.admin("/api/admin/connectors/c1/allowlist", {
    method: "PUT",
    json: { tunnelers: ["t2", "t1", "t1"] },
  })).body
    ?.cancel();
  assert.deepEqual(await (await h.admin("/api/admin/connectors/c1/allowlist")).json(), {
    tunnelers: ["t1", "t2"],
  });
});

Deno.test("admin API: events filter and page; the SSE stream delivers new events", async () => {
  await using h = await startHarness();
  const ctrl = new AbortController();
  const sse = await h.admin("/api/admin/events/stream", { signal: ctrl.signal });
  assert.equal(sse.headers.get("content-type"), "text/event-stream");
  const reader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (let i = 0; i < 3; i++) await h.token("tunneler");
  await enroll(h, { token: await h.token("connector"), id: "c1" });
  let text = "";
  while (!text.includes("event: connector.enrolled")) text += (await reader.read()).value ?? "";
  assert.match(text, /event: token.created\ndata: \{.*"kind":"token.created"/);
  ctrl.abort();
  await reader.cancel().catch(() => {});

  const page1 = await (await h.admin("/api/admin/events?kind=token.created&limit=2")).json();
  assert.equal(page1.events.length, 2);
  const page2 =
    await (await h.admin(`/api/admin/events?kind=token.created&limit=2&before=${page1.next_before}`)).json();
  assert.equal(page2.events.length, 2);
  assert.ok(page2.events[0].id < page1.events[1].id);
  const byAgent = await (await h.admin("/api/admin/events?agent=c1")).json();
  assert.deepEqual(byAgent.events.map((e: { kind: string }) => e.kind), ["connector.enrolled"]);
});

Deno.test("admin API: healthz, readyz and metrics need no token", async () => {
  await using h = await startHarness();
  const base = `http://127.0.0.1:${h.controller.adminPort}`;
  assert.equal((await (await fetch(`${base}/healthz`)).json()).status, "ok");
  assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), {
    status: "ready",
    kv: true,
    grpc: true,
    store: { kind: "kv", writable: true, problems: [] },
  });
  await enroll(h, { token: await h.token("connector"), id: "c1" });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  for (
    const m of [
      'postern_enrollments_total{role="connector",result="ok"} 1',
      'postern_connectors{status="OFFLINE"} 1',
      'postern_tunnelers{status="ONLINE"} 0',
      "postern_heartbeats_total 0",
      "postern_control_streams 0",
      'postern_certificate_expiry_seconds{kind="controller"}',
      "postern_admin_request_duration_seconds_count",
    ]
  ) assert.ok(metrics.includes(m), `metrics lack ${m}:\n${metrics}`);
  void ADMIN_TOKEN;
});

Deno.test("admin API: readyz answers 503 naming the problem once the store takes no writes", async () => {
  await using h = await startHarness();
  const base = `http://127.0.0.1:${h.controller.adminPort}`;
  await h.controller.ctx.store.close();
  const res = await fetch(`${base}/readyz`);
  const body = await res.json();
  assert.equal(res.status, 503);
  assert.equal(body.status, "not ready");
  assert.equal(body.kv, false);
  assert.equal(body.store.writable, false);
  assert.match(body.store.problems[0], /^Deno KV does not take writes: /);
});
