/**
 * Attack: an API key is used after its revocation, or read back from the listing or the log. A
 * revoked key gets 401; no listing, event or log line ever holds the key or its hash.
 */
import assert from "node:assert/strict";
import { startHarness } from "../controller/harness.ts";
import { createApiKey, withKey } from "./_api_keys.ts";

Deno.test("a revoked API key gets 401, and the key never appears in the list, the events or the log", async () => {
  await using h = await startHarness();
  const { id, key } = await createApiKey(h, "ci-deploy", "admin");
  assert.match(key, /^pak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const ok = await withKey(h, key, "/api/admin/tokens", { method: "POST", json: { role: "tunneler" } });
  assert.equal(ok.status, 201);
  await ok.body?.cancel();

  const listText = await (await h.admin("/api/admin/api-keys")).text();
  const [listed] = JSON.parse(listText);
  assert.deepEqual(Object.keys(listed).sort(), ["created_at", "id", "name", "scope"]);
  assert.deepEqual([listed.id, listed.name, listed.scope], [id, "ci-deploy", "admin"]);

  const revoked = await h.admin(`/api/admin/api-keys/${id}`, { method: "DELETE" });
  assert.equal(revoked.status, 200);
  await revoked.body?.cancel();
  const after = await withKey(h, key, "/api/admin/tokens");
  assert.equal(after.status, 401);
  assert.equal((await after.json()).error, "invalid admin token");
  assert.deepEqual(await (await h.admin("/api/admin/api-keys")).json(), []);
  const again = await h.admin(`/api/admin/api-keys/${id}`, { method: "DELETE" });
  assert.equal(again.status, 404);
  assert.equal((await again.json()).error, `API key "${id}" not found`);

  const secret = key.slice("pak_".length + 17);
  const eventsText = await (await h.admin("/api/admin/events?limit=1000")).text();
  for (const [where, text] of [["list", listText], ["events", eventsText], ["log", h.logs.join("\n")]]) {
    assert.ok(!text!.includes(secret), `the key's secret appears in the ${where}`);
  }
  assert.ok(h.logs.some((l) => l.includes("API key revoked")));
});

Deno.test("a second live key of the same name is refused with 409", async () => {
  await using h = await startHarness();
  await createApiKey(h, "ci", "read");
  const res = await h.admin("/api/admin/api-keys", { method: "POST", json: { name: "ci", scope: "admin" } });
  assert.equal(res.status, 409);
  assert.equal(
    (await res.json()).error,
    'an API key named "ci" exists: revoke it first or pick another name',
  );
  const bad = await h.admin("/api/admin/api-keys", { method: "POST", json: { name: "ci2", scope: "root" } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, 'invalid scope "root": use "admin" or "read"');
});
