/**
 * The client of the controller's admin API that the admin commands (`postern-controller tokens …`)
 * and the demo share: bearer token, optional private CA for `https://`, the API's `error` text on
 * refusal, and the server-sent event stream.
 * @module
 */
import { StatusError } from "../http/status_error.ts";

/** The admin API answered with an error status; the message is its `error` text. */
export class AdminApiError extends StatusError {
  override name = "AdminApiError";
}

/** The admin API could not be reached, or closed the event stream. */
export class AdminUnreachableError extends Error {
  override name = "AdminUnreachableError";
}

/** Where the admin API is and as whom to call it. */
export interface AdminClientOptions {
  /** `http://host:port` or `https://host:port`, without a path. */
  baseUrl: string;
  /** The bootstrap ADMIN_AUTH_TOKEN or an API key. */
  token: string;
  /** PEM CA certificates to trust for an `https://` API (ADMIN_CA_PATH), besides the system's. */
  caCerts?: string[];
  /** Per-request timeout; default 15 s (not applied to the event stream). */
  timeoutMs?: number;
}

/** One event of the audit trail, as `GET /api/admin/events` and the stream give it. */
export interface AdminEvent {
  id: string;
  ts: string;
  kind: string;
  message: string;
  actor?: string;
  agent?: string;
  [field: string]: unknown;
}

/** Calls the admin API. */
export class AdminClient {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #client: Deno.HttpClient | undefined;
  readonly #timeoutMs: number;

  constructor(o: AdminClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, "");
    this.#token = o.token;
    this.#client = o.caCerts?.length ? Deno.createHttpClient({ caCerts: o.caCerts }) : undefined;
    this.#timeoutMs = o.timeoutMs ?? 15_000;
  }

  async #fetch(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.#token}`);
    try {
      return await fetch(this.baseUrl + path, {
        ...init,
        method,
        headers,
        ...(this.#client ? { client: this.#client } : {}),
      });
    } catch (e) {
      const err = e as Error;
      const inner = err.cause instanceof Error ? `: ${err.cause.message}` : "";
      const cause = `${err.message}${inner}`.replace(/\s+/g, " ");
      throw new AdminUnreachableError(`cannot reach the admin API at ${this.baseUrl}: ${cause}`);
    }
  }

  /** Sends one request; the parsed JSON answer, or an AdminApiError with the API's message. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#fetch(method, path, {
      signal: AbortSignal.timeout(this.#timeoutMs),
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new AdminUnreachableError(`the admin API at ${this.baseUrl} broke off: ${(e as Error).message}`);
    }
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch { /* not JSON */ }
    if (!res.ok) {
      const error = (parsed as { error?: unknown } | undefined)?.error;
      const message = typeof error === "string" ? error : text.trim().slice(0, 200) || res.statusText;
      throw new AdminApiError(res.status, `${message} (HTTP ${res.status} from ${method} ${path})`);
    }
    return parsed as T;
  }

  /**
   * The live events of `GET /api/admin/events/stream`, until `signal` aborts. The stream is open
   * once this resolves, so a caller that reads the history afterwards misses nothing between the
   * two. The stream ending otherwise is an AdminUnreachableError.
   */
  async stream(signal?: AbortSignal): Promise<AsyncGenerator<AdminEvent>> {
    const res = await this.#fetch("GET", "/api/admin/events/stream", {
      headers: { accept: "text/event-stream" },
      ...(signal ? { signal } : {}),
    });
    if (!res.ok || res.body === null) {
      const text = await res.text().catch(() => "");
      let message = text.trim() || res.statusText;
      try {
        message = JSON.parse(text).error ?? message;
      } catch { /* not JSON */ }
      throw new AdminApiError(
        res.status,
        `${message} (HTTP ${res.status} from GET /api/admin/events/stream)`,
      );
    }
    return this.#events(res.body, signal);
  }

  /** The events of an open stream, until it ends (then throws AdminUnreachableError) or `signal` aborts. */
  async *#events(body: ReadableStream<BufferSource>, signal?: AbortSignal): AsyncGenerator<AdminEvent> {
    let buffer = "";
    let data: string[] = [];
    try {
      for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, "");
          buffer = buffer.slice(nl + 1);
          if (line === "") {
            if (data.length > 0) yield JSON.parse(data.join("\n")) as AdminEvent;
            data = [];
          } else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      throw new AdminUnreachableError(
        `the admin API at ${this.baseUrl} broke off the event stream: ${(e as Error).message}`,
      );
    }
    if (!signal?.aborted) {
      throw new AdminUnreachableError(`the admin API at ${this.baseUrl} closed the event stream`);
    }
  }
}
