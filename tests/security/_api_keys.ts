/** API-key helpers of the security scenarios: create a key with the bootstrap token, call with a key. */
import assert from "node:assert/strict";
import type { Harness } from "../controller/harness.ts";

/** Creates an API key through the admin API; returns its id and its (once-only) text. */
export async function createApiKey(
  h: Harness,
  name: string,
  scope: "admin" | "read",
): Promise<{ id: string; key: string }> {
  const res = await h.admin("/api/admin/api-keys", { method: "POST", json: { name, scope } });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return { id: body.id, key: body.key };
}

/** Calls the admin API with `key` instead of the bootstrap token. */
export function withKey(
  h: Harness,
  key: string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  return h.admin(path, { ...init, headers });
}
