/**
 * The tests' client of a controller's admin API (one for the in-process harness and the
 * real-process controller): `fetch` answers the Response, `call` the status and parsed JSON.
 * @module
 */

/** `fetch` options plus `json`, a body sent as JSON. */
export type AdminInit = RequestInit & { json?: unknown };

/** A client of the admin API at `baseUrl` (`http://127.0.0.1:port`) authenticated by `token`. */
export interface AdminClient {
  /** Fetches `path` with the bearer token (unless `init` sets its own authorization header). */
  fetch(path: string, init?: AdminInit): Promise<Response>;
  /** Calls `method path` with `body` as JSON; the answer's body is parsed JSON (undefined when empty). */
  // deno-lint-ignore no-explicit-any
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** Makes the client of the admin API at `baseUrl` with the bearer `token`. */
export function adminClient(baseUrl: string, token: string): AdminClient {
  const fetchAdmin = (path: string, init: AdminInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    const { json, ...rest } = init;
    if (json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
    return fetch(baseUrl + path, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };
  return {
    fetch: fetchAdmin,
    async call(method, path, body) {
      const res = await fetchAdmin(path, {
        method,
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { json: body }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}
