/**
 * `/api/admin/api-keys`: create (the answer is the only place a key appears), list (never the key
 * nor its hash), revoke. Each change is an event with its `actor`.
 * @module
 */
import type { ControllerContext } from "../context.ts";
import { ApiKeyNameTaken, type ApiKeyRecord, ApiKeyStore, isApiKeyScope } from "./api_keys.ts";
import { HttpError, json, jsonError, readJsonObject, rfc3339 } from "./http.ts";

function view(r: ApiKeyRecord) {
  return { id: r.id, name: r.name, scope: r.scope, created_at: rfc3339(r.createdAt) };
}

function allow(req: Request, allowed: string[]): Response | undefined {
  if (allowed.includes(req.method) || (req.method === "HEAD" && allowed.includes("GET"))) return undefined;
  return jsonError(405, `method ${req.method} not allowed: use ${allowed.join(", ")}`, {
    allow: allowed.join(", "),
  });
}

/** Answers `/api/admin/api-keys` (`keyId` undefined) and `/api/admin/api-keys/{keyId}`. */
export async function apiKeyRoutes(
  ctx: ControllerContext,
  req: Request,
  keyId: string | undefined,
  actor: string,
): Promise<Response> {
  const keys = new ApiKeyStore(ctx.store);
  if (keyId === undefined) {
    const refused = allow(req, ["GET", "POST"]);
    if (refused) return refused;
    if (req.method !== "POST") return json((await keys.list()).map(view));
    return await create(ctx, keys, req, actor);
  }
  const refused = allow(req, ["DELETE"]);
  if (refused) return refused;
  if (!/^[0-9a-f]{16}$/.test(keyId)) {
    throw new HttpError(
      400,
      `invalid API key id "${keyId}": 16 hex digits expected (api-keys list shows them)`,
    );
  }
  const r = await keys.revoke(keyId);
  if (!r) return jsonError(404, `API key "${keyId}" not found`);
  ctx.log.info("API key revoked", { key_id: r.id, name: r.name, actor });
  await ctx.events.append("api_key.revoked", `API key "${r.name}" (${r.id}) revoked`, {
    actor,
    key_id: r.id,
    name: r.name,
  });
  return json({ id: r.id, name: r.name, revoked: true });
}

async function create(ctx: ControllerContext, keys: ApiKeyStore, req: Request, actor: string) {
  const body = await readJsonObject(req);
  for (const k of Object.keys(body)) {
    if (k !== "name" && k !== "scope") {
      throw new HttpError(400, `unknown field "${k}": expected {name, scope}`);
    }
  }
  if (typeof body.name !== "string") {
    throw new HttpError(400, `invalid name ${JSON.stringify(body.name ?? null)}: must be a string`);
  }
  if (!isApiKeyScope(body.scope)) {
    throw new HttpError(400, `invalid scope ${JSON.stringify(body.scope ?? null)}: use "admin" or "read"`);
  }
  let made;
  try {
    made = await keys.create(body.name, body.scope);
  } catch (e) {
    if (e instanceof TypeError) throw new HttpError(400, e.message);
    if (e instanceof ApiKeyNameTaken) throw new HttpError(409, e.message);
    throw e;
  }
  const r = made.record;
  ctx.log.info("API key created", { key_id: r.id, name: r.name, scope: r.scope, actor });
  await ctx.events.append("api_key.created", `API key "${r.name}" (${r.id}) created with scope ${r.scope}`, {
    actor,
    key_id: r.id,
    name: r.name,
    scope: r.scope,
  });
  return json({ ...view(r), key: made.key }, 201);
}
