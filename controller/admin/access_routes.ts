/**
 * Admin routes of the access model: `/api/admin/resources`, `/groups`, `/policies` (list, get,
 * put, delete), and the effective access from either side, `/tunnelers/{id}/access` and
 * `/resources/{name}/access`, computed by `shared/access/views.ts` (the code that compiles what
 * connectors enforce). Every change reaches the connectors (the store's watch) and is recorded with its actor.
 * @module
 */
import {
  AccessValidationError,
  parseGroup,
  parsePolicy,
  parseResource,
  validateName,
} from "../../shared/access/model.ts";
import { grants, tunnelersOf } from "../../shared/access/views.ts";
import type { ControllerContext } from "../context.ts";
import type { AccessKind } from "../registry/access.ts";
import { HttpError, json, jsonError, readJsonObject } from "./http.ts";

const SINGULAR: Record<AccessKind, string> = { resources: "resource", groups: "group", policies: "policy" };

/** Whether `head` is the first path segment of an access route this module serves. */
export function isAccessKind(head: string | undefined): head is AccessKind {
  return head === "resources" || head === "groups" || head === "policies";
}

function allowed(req: Request, methods: string[]): Response | undefined {
  if (methods.includes(req.method) || (req.method === "HEAD" && methods.includes("GET"))) return undefined;
  return jsonError(405, `method ${req.method} not allowed: use ${methods.join(", ")}`, {
    allow: methods.join(", "),
  });
}

function nameOf(kind: AccessKind, text: string): string {
  try {
    return validateName(SINGULAR[kind], decodeURIComponent(text));
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}

/** `/api/admin/{resources,groups,policies}[/{name}[/access]]`: `parts` is the path after `/api/admin/`. */
export async function accessRoutes(
  ctx: ControllerContext,
  req: Request,
  kind: AccessKind,
  parts: readonly string[],
  actor: string,
): Promise<Response> {
  if (parts.length === 1) return allowed(req, ["GET"]) ?? json({ [kind]: await ctx.access.list(kind) });
  const name = nameOf(kind, parts[1]!);
  if (parts.length === 3 && kind === "resources" && parts[2] === "access") {
    return allowed(req, ["GET"]) ??
      json({ resource: name, tunnelers: tunnelersOf(await ctx.access.model(), name) });
  }
  if (parts.length !== 2) return jsonError(404, `no route ${new URL(req.url).pathname}`);
  const refused = allowed(req, ["GET", "PUT", "DELETE"]);
  if (refused) return refused;
  if (req.method === "GET" || req.method === "HEAD") {
    const r = await ctx.access.get(kind, name);
    return r ? json(r) : jsonError(404, `${SINGULAR[kind]} "${name}" not found`);
  }
  if (req.method === "DELETE") {
    if (!await ctx.access.delete(kind, name)) return jsonError(404, `${SINGULAR[kind]} "${name}" not found`);
    await changed(ctx, kind, name, "deleted", actor);
    return new Response(null, { status: 204 });
  }
  const body = await readJsonObject(req);
  let record;
  try {
    record = kind === "resources"
      ? parseResource(name, body)
      : kind === "groups"
      ? parseGroup(name, body)
      : parsePolicy(name, body);
  } catch (e) {
    if (e instanceof AccessValidationError) throw new HttpError(400, e.message);
    throw e;
  }
  await ctx.access.put(kind, record as never);
  await changed(ctx, kind, name, "changed", actor, record);
  return json(record);
}

/** `GET /api/admin/tunnelers/{id}/access`. */
export async function tunnelerAccess(
  ctx: ControllerContext,
  req: Request,
  tunnelerId: string,
): Promise<Response> {
  return allowed(req, ["GET"]) ??
    json({ tunneler: tunnelerId, resources: grants(await ctx.access.model(), tunnelerId) });
}

async function changed(
  ctx: ControllerContext,
  kind: AccessKind,
  name: string,
  how: "changed" | "deleted",
  actor: string,
  record?: object,
): Promise<void> {
  // The connectors get their compiled grants again through the store's watch (registry/access.ts
  // onChange, wired in open.ts), so a change made through another controller reaches them too.
  const what = SINGULAR[kind];
  ctx.log.info(`${what} ${how}`, { [what]: name, actor });
  await ctx.events.append(`${what}.${how}`, `${what} "${name}" ${how}`, {
    actor,
    [what]: name,
    ...(record ? { record } : {}),
  });
}
