/** Server-side client of the controller's admin API; the only place the admin token is used. */
import { ACTOR_HEADER } from "../../shared/admin/actor.ts";

/** What the admin API reports of every agent. */
interface AgentView {
  id: string;
  spiffe_id?: string;
  status?: string;
  last_seen?: string | null;
  cert_expires_at?: string | null;
  /** Open sessions (connectors) or connections (tunnelers) as last reported; null: no report yet. */
  active_sessions?: number | null;
  /** Bytes received as last reported (total since the agent started). */
  bytes_in?: number | null;
  /** Bytes sent as last reported (total since the agent started). */
  bytes_out?: number | null;
}

/** A connector as the admin API reports it. */
export interface Connector extends AgentView {
  private_ip?: string;
  version?: string;
}

/** A tunneler as the admin API reports it. */
export interface Tunneler extends AgentView {
  connector_id?: string | null;
}

/** An audit event. */
export interface AuditEvent {
  id?: string | number;
  ts?: string;
  kind?: string;
  agent?: string;
  [field: string]: unknown;
}

/** An enrollment token (the secret only in the create response). */
export interface EnrollmentToken {
  id: string;
  token?: string;
  role?: string;
  /** The only agent id the token enrolls (null: any id that no allowlist names). */
  agent_id?: string | null;
  expires_at?: string;
  note?: string | null;
  [field: string]: unknown;
}

/** The controller answered with an error status; `message` is its `error` text. */
export class AdminApiError extends Error {
  override name = "AdminApiError";
  /** HTTP status from the controller. */
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The controller could not be reached at all. */
export class ControllerUnreachableError extends Error {
  override name = "ControllerUnreachableError";
}

/** Takes the list out of a bare array or `{items|events|tokens|connectors|tunnelers|…: [...]}`. */
export function asList<T>(body: unknown, key?: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    for (const k of [key, "items", "events", "tokens", "connectors", "tunnelers", "resources", "data"]) {
      if (k && Array.isArray(record[k])) return record[k] as T[];
    }
  }
  return [];
}

/**
 * The fetch the admin client uses: plain `fetch`, or, with `caCerts` (`ADMIN_CA_PATH`), one that
 * trusts exactly those CAs, besides the system's, for an `https://` admin API.
 */
export function adminFetch(caCerts: string[] | undefined): typeof fetch {
  if (!caCerts?.length) return fetch;
  const client = Deno.createHttpClient({ caCerts });
  return ((input: RequestInfo | URL, init?: RequestInit) =>
    fetch(input, { ...init, client })) as typeof fetch;
}

/**
 * Who the controller records as the `actor` of the UI's changes (`ui:operator`): the UI has one
 * operator, the holder of UI_ADMIN_PASSWORD. The controller believes the header only with the
 * bootstrap ADMIN_AUTH_TOKEN; with an API key it records the key's name instead.
 */
export const UI_OPERATOR = "operator";

/** Talks to `apiUrl` with the bearer token. */
export class AdminClient {
  readonly apiUrl: string;
  #token: string;
  #fetch: typeof fetch;

  /** `fetchImpl` lets tests substitute the network. */
  constructor(apiUrl: string, token: string, fetchImpl: typeof fetch = fetch) {
    this.apiUrl = apiUrl.replace(/\/+$/, "");
    this.#token = token;
    this.#fetch = fetchImpl;
  }

  /** Sends a raw request to `pathAndQuery` with the bearer token; network failures become ControllerUnreachableError. */
  async raw(pathAndQuery: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.#token}`);
    headers.set(ACTOR_HEADER, UI_OPERATOR);
    try {
      return await this.#fetch(this.apiUrl + pathAndQuery, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ControllerUnreachableError(
        `controller unreachable at ${this.apiUrl}: ${(error as Error).message}`,
      );
    }
  }

  /** Sends JSON and returns the parsed JSON answer; a non-2xx answer is an AdminApiError. */
  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(10_000) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await this.raw(path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch { /* not JSON */ }
    if (!res.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? (text.trim() || res.statusText);
      throw new AdminApiError(res.status, message);
    }
    return parsed as T;
  }

  /** GET a list, accepting a bare array or a wrapped one. */
  async list<T>(path: string, key?: string): Promise<T[]> {
    return asList<T>(await this.json("GET", path), key);
  }

  /** GET one object; unwraps `{connector: {...}}`-style answers. */
  async one<T>(path: string, key: string): Promise<T> {
    const body = await this.json<Record<string, unknown>>("GET", path);
    const inner = body?.[key];
    return (inner && typeof inner === "object" && !Array.isArray(inner) ? inner : body) as T;
  }
}
