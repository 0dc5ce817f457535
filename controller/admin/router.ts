/**
 * The admin HTTP API: every route of the contract behind one bearer-auth middleware, plus
 * /healthz, /readyz and /metrics. Client mistakes get 4xx with `{"error": ...}`, never 500.
 * @module
 */
import { validateAgentId } from "../../shared/pki/spiffe_id.ts";
import { RotationError } from "../ca_manager.ts";
import { refuseWhileAgentsHoldCa, refuseWhileAgentsLag } from "./ca_guards.ts";
import type { ControllerContext } from "../context.ts";
import { validateResource } from "../../shared/access/address.ts";
import { type AgentRole, isAgentRole } from "../registry/types.ts";
import { type StoreHealth, StoreUnavailableError } from "../store/store.ts";
import { ApiKeyStore } from "./api_keys.ts";
import { apiKeyRoutes } from "./api_key_routes.ts";
import { accessRoutes, isAccessKind, tunnelerAccess } from "./access_routes.ts";
import { bearerAuth, type Handler, type Principal } from "./auth.ts";
import { HttpError, json, jsonError, jsonText, readJsonObject, rfc3339 } from "./http.ts";
import { agentListJson, agentView } from "./agent_view.ts";
import { routeLabel } from "./route_label.ts";
import { capText } from "../untrusted.ts";
import { eventView } from "../registry/events.ts";
import { type AdminTransport, CA_KEY_REFUSED, mayCarryCaKey } from "./transport.ts";

/** Options of {@link adminHandler}. */
export interface AdminOptions {
  adminToken: string;
  /** Keep-alive comment interval of the SSE stream; default 15 s. */
  keepAliveMs?: number;
}

/** The whole admin site as one fetch handler; `transport` comes from the socket. */
export function adminHandler(ctx: ControllerContext, o: AdminOptions): Handler<AdminTransport> {
  const api = bearerAuth<AdminTransport>(
    o.adminToken,
    (req, transport, who) => routeApi(ctx, req, transport, who, o.keepAliveMs ?? 15_000),
    new ApiKeyStore(ctx.store),
  );
  return async (req, transport) => {
    const started = performance.now();
    const path = new URL(req.url).pathname;
    let res: Response;
    try {
      if (path === "/healthz") res = methods(req, ["GET"]) ?? json({ status: "ok" });
      else if (path === "/readyz") res = methods(req, ["GET"]) ?? await readyz(ctx);
      else if (path === "/metrics") {
        res = methods(req, ["GET"]) ?? new Response(ctx.metrics.render(), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      } else if (path === "/api/admin" || path.startsWith("/api/admin/")) {
        res = await api(req, transport);
      } else res = jsonError(404, `no route ${path}`);
    } catch (e) {
      if (e instanceof HttpError) res = jsonError(e.status, e.message);
      else if (e instanceof StoreUnavailableError) res = jsonError(503, e.message);
      else {
        ctx.log.error("admin request failed", { path: capText(path), error: e });
        res = jsonError(500, "internal error");
      }
    }
    ctx.metrics.observe(routeLabel(path), (performance.now() - started) / 1000);
    return res;
  };
}

function methods(req: Request, allowed: string[]): Response | undefined {
  if (allowed.includes(req.method) || (req.method === "HEAD" && allowed.includes("GET"))) return undefined;
  return jsonError(405, `method ${req.method} not allowed: use ${allowed.join(", ")}`, {
    allow: allowed.join(", "),
  });
}

/**
 * Ready while the store takes writes and gRPC serves. `kv` (the name predates etcd) says whether
 * the store is writable, whichever backend it is; `store` names the backend and its problems.
 */
async function readyz(ctx: ControllerContext): Promise<Response> {
  let health: StoreHealth;
  try {
    health = await ctx.store.health();
  } catch (e) {
    health = { writable: false, problems: [`the store did not answer: ${(e as Error).message}`] };
  }
  const grpc = ctx.grpcServing();
  const ready = health.writable && grpc;
  return json({
    status: ready ? "ready" : "not ready",
    kv: health.writable,
    grpc,
    store: { kind: ctx.store.kind, writable: health.writable, problems: health.problems },
  }, ready ? 200 : 503);
}

function id(text: string): string {
  try {
    return validateAgentId(decodeURIComponent(text));
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}

async function routeApi(
  ctx: ControllerContext,
  req: Request,
  transport: AdminTransport,
  who: Principal,
  keepAliveMs: number,
): Promise<Response> {
  const actor = who.actor;
  const url = new URL(req.url);
  const parts = url.pathname.split("/").slice(3); // after "", "api", "admin"
  const [head, second, third] = parts;
  switch (head) {
    case "tokens":
      if (parts.length === 1) {
        return methods(req, ["GET", "POST"]) ??
          (req.method === "POST" ? await createToken(ctx, req, actor) : json(await listTokens(ctx)));
      }
      if (parts.length === 2) return methods(req, ["DELETE"]) ?? await revokeToken(ctx, second!, actor);
      break;
    case "connectors":
    case "tunnelers": {
      const role: AgentRole = head === "connectors" ? "connector" : "tunneler";
      if (parts.length === 1) return methods(req, ["GET"]) ?? await listAgents(ctx, role);
      const agentId = id(second!);
      if (parts.length === 2) {
        return methods(req, ["GET", "DELETE"]) ??
          (req.method === "DELETE"
            ? await revokeAgent(ctx, role, agentId, actor)
            : await getAgent(ctx, role, agentId));
      }
      if (parts.length === 3 && role === "connector" && (third === "allowlist" || third === "resources")) {
        return methods(req, ["GET", "PUT"]) ?? await policy(ctx, req, agentId, third, actor);
      }
      if (parts.length === 3 && role === "tunneler" && third === "access") {
        return await tunnelerAccess(ctx, req, agentId);
      }
      break;
    }
    case "resources":
    case "groups":
    case "policies":
      if (isAccessKind(head)) return await accessRoutes(ctx, req, head, parts, actor);
      break;
    case "events":
      if (parts.length === 1) return methods(req, ["GET"]) ?? await listEvents(ctx, url);
      if (parts.length === 2 && second === "stream") {
        return methods(req, ["GET"]) ?? eventStream(ctx, keepAliveMs);
      }
      break;
    case "api-keys":
      if (parts.length <= 2) return await apiKeyRoutes(ctx, req, second, actor);
      break;
    case "ca":
      if (parts.length === 1) return methods(req, ["GET"]) ?? json({ cas: ctx.ca.describe() });
      if (parts.length === 3 && second === "rotate" && ["prepare", "activate", "retire"].includes(third!)) {
        const step = third as "prepare" | "activate" | "retire";
        return methods(req, ["POST"]) ?? await rotate(ctx, req, transport, step, actor);
      }
      break;
  }
  return jsonError(404, `no route ${url.pathname}`);
}

// ---- tokens -----------------------------------------------------------------------------

async function createToken(ctx: ControllerContext, req: Request, actor: string): Promise<Response> {
  const body = await readJsonObject(req);
  for (const k of Object.keys(body)) {
    if (!["role", "id", "ttl_seconds", "note"].includes(k)) throw new HttpError(400, `unknown field "${k}"`);
  }
  if (!isAgentRole(body.role)) {
    throw new HttpError(
      400,
      `invalid role ${JSON.stringify(body.role ?? null)}: use "connector" or "tunneler"`,
    );
  }
  let ttlMs = ctx.settings.enrollmentTokenTtlMs;
  if (body.ttl_seconds !== undefined) {
    const t = body.ttl_seconds;
    if (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 31 * 86_400) {
      throw new HttpError(
        400,
        "invalid ttl_seconds: use a whole number of seconds from 1 to 2678400 (31 days)",
      );
    }
    ttlMs = t * 1000;
  }
  const note = body.note ?? "";
  if (typeof note !== "string" || note.length > 256) {
    throw new HttpError(400, "invalid note: use a string of at most 256 characters");
  }
  let agentId: string | undefined;
  if (body.id !== undefined) {
    if (typeof body.id !== "string") {
      throw new HttpError(
        400,
        `invalid id ${JSON.stringify(body.id)}: must be a string (the agent id the token enrolls)`,
      );
    }
    try {
      agentId = validateAgentId(body.id);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
  }
  const { token, record } = await ctx.tokens.create(body.role, ttlMs, note, agentId);
  const bound = record.agentId === undefined ? "" : ` "${record.agentId}"`;
  ctx.log.info("enrollment token created", {
    actor,
    token_id: record.id,
    role: record.role,
    ...(record.agentId === undefined ? {} : { agent: record.agentId }),
  });
  await ctx.events.append(
    "token.created",
    `enrollment token ${record.id} created for a ${record.role}${bound}`,
    {
      actor,
      role: record.role,
      token_id: record.id,
      ...(record.agentId === undefined ? {} : { agent: record.agentId }),
    },
  );
  return json({
    id: record.id,
    token,
    role: record.role,
    agent_id: record.agentId ?? null,
    expires_at: rfc3339(record.expiresAt),
    note: record.note,
  }, 201);
}

async function listTokens(ctx: ControllerContext) {
  const now = Date.now();
  return (await ctx.tokens.list()).map((t) => ({
    id: t.id,
    role: t.role,
    agent_id: t.agentId ?? null,
    note: t.note,
    created_at: rfc3339(t.createdAt),
    expires_at: rfc3339(t.expiresAt),
    used_at: rfc3339(t.usedAt),
    used_by: t.usedBy ?? null,
    revoked_at: rfc3339(t.revokedAt),
    status: t.revokedAt !== undefined
      ? "revoked"
      : t.usedAt !== undefined
      ? "used"
      : t.expiresAt <= now
      ? "expired"
      : "active",
  }));
}

async function revokeToken(ctx: ControllerContext, tokenId: string, actor: string): Promise<Response> {
  if (!/^[0-9a-f]{16}$/.test(tokenId)) {
    throw new HttpError(400, `invalid token id "${tokenId}": 16 hex digits expected`);
  }
  const r = await ctx.tokens.revoke(tokenId);
  if (!r) return jsonError(404, `token "${tokenId}" not found`);
  await ctx.events.append("token.revoked", `enrollment token ${tokenId} revoked`, {
    actor,
    token_id: tokenId,
    role: r.role,
  });
  return json({ id: r.id, revoked_at: rfc3339(r.revokedAt) });
}

// ---- agents -----------------------------------------------------------------------------

/**
 * Lists from the in-memory registry copy merged with live presence: this controller's writes are
 * in it at once; another controller's enrollments, renewals and revocations at the next request
 * (one KV read of a revision key); last_seen persisted by another controller within 30 s.
 * GET of one agent always reads KV.
 */
async function listAgents(ctx: ControllerContext, role: AgentRole): Promise<Response> {
  const live = (await ctx.agents.listCached(role)).filter((r) => r.revokedAt === undefined);
  return jsonText(await agentListJson(ctx.presence, live));
}

async function getAgent(ctx: ControllerContext, role: AgentRole, agentId: string): Promise<Response> {
  const r = await ctx.agents.get(role, agentId);
  if (!r || r.revokedAt !== undefined) return jsonError(404, `${role} "${agentId}" not found`);
  return json(agentView(ctx.presence, r));
}

/** Revokes an agent: refused from now on, its stream ended, connectors told. */
export async function revokeAgent(
  ctx: ControllerContext,
  role: AgentRole,
  agentId: string,
  actor: string,
): Promise<Response> {
  const done = await ctx.agents.revoke(role, agentId);
  if (!done) return jsonError(404, `${role} "${agentId}" not found`);
  const r = done.record;
  const reason = "revoked by the operator";
  if (role === "connector") ctx.hub.revoke(agentId, r.spiffeId, reason);
  else {
    // The serials first: refused even where an allowlist or a later enrollment admits the id.
    ctx.hub.pushRevoked(done.revoked);
    await ctx.hub.pushConfigForTunneler(agentId);
  }
  await ctx.presence.forget(role, agentId);
  ctx.log.info(`${role} revoked`, { agent: agentId, role, actor });
  await ctx.events.append(`${role}.revoked`, `${role} "${agentId}" revoked`, {
    actor,
    agent: agentId,
    role,
    spiffe_id: r.spiffeId,
    serials: done.revoked.map((c) => c.serial),
  });
  return json({ id: agentId, revoked_at: rfc3339(r.revokedAt) });
}

// ---- policy -----------------------------------------------------------------------------

async function policy(
  ctx: ControllerContext,
  req: Request,
  connectorId: string,
  what: "allowlist" | "resources",
  actor: string,
): Promise<Response> {
  if (req.method !== "PUT") {
    return what === "allowlist"
      ? json({ tunnelers: await ctx.policy.allowlist(connectorId) })
      : json({ resources: await ctx.policy.resources(connectorId) });
  }
  const body = await readJsonObject(req);
  const field = what === "allowlist" ? "tunnelers" : "resources";
  for (const k of Object.keys(body)) {
    if (k !== field) throw new HttpError(400, `unknown field "${k}": expected {"${field}": [...]}`);
  }
  const list = body[field];
  if (!Array.isArray(list) || list.length > 10_000) {
    throw new HttpError(400, `"${field}" must be an array (at most 10000 entries)`);
  }
  let saved: string[];
  try {
    if (what === "allowlist") {
      for (const t of list) {
        if (typeof t !== "string") throw new TypeError(`invalid id ${JSON.stringify(t)}: must be a string`);
      }
      saved = await ctx.policy.setAllowlist(connectorId, list as string[]);
    } else {
      list.forEach(validateResource);
      saved = await ctx.policy.setResources(connectorId, list);
    }
  } catch (e) {
    if (e instanceof TypeError) throw new HttpError(400, e.message);
    throw e;
  }
  await ctx.hub.pushConfig(connectorId);
  ctx.log.info(`${what} changed`, { agent: connectorId, entries: saved.length, actor });
  await ctx.events.append(`connector.${what}_changed`, `${what} of connector "${connectorId}" changed`, {
    actor,
    agent: connectorId,
    role: "connector",
    [field]: saved,
  });
  return json({ [field]: saved });
}

// ---- events -----------------------------------------------------------------------------

async function listEvents(ctx: ControllerContext, url: URL): Promise<Response> {
  const q = url.searchParams;
  const limitText = q.get("limit");
  let limit = 100;
  if (limitText !== null) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1000) {
      throw new HttpError(400, "invalid limit: use 1-1000");
    }
  }
  const before = q.get("before") ?? undefined;
  if (before !== undefined && !/^[0-9a-f]{1,40}$/.test(before)) {
    throw new HttpError(400, "invalid before: use an event id");
  }
  const kind = q.get("kind") ?? undefined;
  const agent = q.get("agent") ?? undefined;
  const resource = q.get("resource") ?? undefined;
  const time = (name: "since" | "until"): number | undefined => {
    const text = q.get(name);
    if (text === null) return undefined;
    const ms = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
      throw new HttpError(
        400,
        `invalid ${name} "${text}": use an RFC 3339 time such as 2026-01-02T03:04:05Z`,
      );
    }
    return ms;
  };
  const since = time("since"), until = time("until");
  const events = await ctx.events.list({
    limit,
    ...(before ? { before } : {}),
    ...(kind ? { kind } : {}),
    ...(agent ? { agent } : {}),
    ...(resource ? { resource } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  });
  return json({
    events: events.map(eventView),
    next_before: events.length === limit ? events[events.length - 1]!.id : null,
  });
}

/** Server-sent events; the client going away cancels the body, which unsubscribes. */
function eventStream(ctx: ControllerContext, keepAliveMs: number): Response {
  const enc = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      send(": connected\n\n");
      const unsubscribe = ctx.events.subscribe((e) => {
        send(`id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(eventView(e))}\n\n`);
      });
      const timer = setInterval(() => send(": keep-alive\n\n"), keepAliveMs);
      cleanup = () => {
        unsubscribe();
        clearInterval(timer);
      };
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}

// ---- CA rotation ------------------------------------------------------------------------

async function rotate(
  ctx: ControllerContext,
  req: Request,
  transport: AdminTransport,
  step: "prepare" | "activate" | "retire",
  actor: string,
): Promise<Response> {
  if (step === "prepare" && !mayCarryCaKey(transport)) return await refuseCaKey(ctx, req, transport, actor);
  const body = await readJsonObject(req);
  const str = (k: string): string => {
    const v = body[k];
    if (typeof v !== "string" || v.length === 0) {
      throw new HttpError(400, `"${k}" must be a non-empty string`);
    }
    return v;
  };
  try {
    if (step === "prepare") {
      const info = await ctx.ca.prepare(str("cert_pem"), str("key_pem"));
      await ctx.events.append("ca.prepared", `CA ${info.fingerprint} added to the trust bundle`, {
        actor,
        fingerprint: info.fingerprint,
      });
    } else if (step === "activate") {
      const fp = str("fingerprint");
      if (!force(body)) refuseWhileAgentsLag(ctx, fp);
      await ctx.ca.activate(fp);
      await ctx.events.append("ca.activated", `CA ${fp} now signs certificates`, { actor, fingerprint: fp });
    } else {
      const fp = str("fingerprint");
      if (!force(body)) await refuseWhileAgentsHoldCa(ctx, fp);
      await ctx.ca.retire(fp);
      await ctx.events.append("ca.retired", `CA ${fp} removed from the trust bundle`, {
        actor,
        fingerprint: fp,
      });
    }
  } catch (e) {
    if (e instanceof RotationError) throw new HttpError(e.status, e.message);
    throw e;
  }
  ctx.log.info(`CA rotation: ${step}`, { actor });
  return json({ cas: ctx.ca.describe() });
}

/** The `force` field of a guarded rotation step: absent means false. */
function force(body: Record<string, unknown>): boolean {
  if (body.force !== undefined && typeof body.force !== "boolean") {
    throw new HttpError(400, `"force" must be true or false`);
  }
  return body.force === true;
}

/** 403 for a CA key sent over plain HTTP from another host; the log and the events say from where. */
async function refuseCaKey(
  ctx: ControllerContext,
  req: Request,
  transport: AdminTransport,
  actor: string,
): Promise<Response> {
  await req.body?.cancel().catch(() => {});
  const addr = transport.remoteAddr;
  const remote = addr.transport === "tcp" || addr.transport === "udp" ? `${addr.hostname}:${addr.port}` : "";
  ctx.log.warn("CA private key refused: it arrived over plain HTTP from a non-loopback address", {
    remote_addr: remote,
  });
  await ctx.events.append("ca.key_refused", `CA private key from ${remote} refused: sent over plain HTTP`, {
    actor,
    remote_addr: remote,
  });
  return jsonError(403, CA_KEY_REFUSED);
}
