/**
 * Attack: a holder of a `read` API key tries to change things. Every method other than GET is
 * refused with 403 before the route runs (nothing changes, no event); GET answers 200.
 */
import assert from "node:assert/strict";
import { startHarness } from "../controller/harness.ts";
import { createApiKey, withKey } from "./_api_keys.ts";

Deno.test("a read API key gets 403 on POST, PUT and DELETE, and 200 on GET", async () => {
  await using h = await startHarness();
  const { id, key } = await createApiKey(h, "dashboard", "read");
  const writes: [string, string, unknown][] = [
    ["POST", "/api/admin/tokens", { role: "tunneler" }],
    ["PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] }],
    ["DELETE", `/api/admin/api-keys/${id}`, undefined],
    ["POST", "/api/admin/api-keys", { name: "escalated", scope: "admin" }],
    ["POST", "/api/admin/ca/rotate/retire", { fingerprint: "00" }],
  ];
  for (const [method, path, json] of writes) {
    const res = await withKey(h, key, path, { method, ...(json === undefined ? {} : { json }) });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal((await res.json()).error, 'API key "dashboard" has scope read: it may only GET');
  }
  for (const path of ["/api/admin/tokens", "/api/admin/connectors", "/api/admin/api-keys", "/api/admin/ca"]) {
    const res = await withKey(h, key, path);
    assert.equal(res.status, 200, path);
    await res.body?.cancel();
  }
  assert.deepEqual(await (await h.admin("/api/admin/tokens")).json(), []);
  assert.deepEqual(await (await h.admin("/api/admin/connectors/c1/allowlist")).json(), { tunnelers: [] });
  const keys = await (await h.admin("/api/admin/api-keys")).json();
  assert.deepEqual(keys.map((k: { name: string }) => k.name), ["dashboard"]);
});
