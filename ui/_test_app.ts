/** Test helpers: the UI's handler wired to an in-process stand-in for the controller. */
import { createLogger } from "../shared/log/logger.ts";
import { TrustedProxies } from "./auth/client_address.ts";
import { plainVerifier } from "./auth/password.ts";
import { LoginRateLimiter } from "./auth/rate_limit.ts";
import { SessionStore } from "./auth/sessions.ts";
import { AdminClient } from "./lib/admin_client.ts";
import type { Assets } from "./lib/assets.ts";
import { OutageWatch } from "./lib/outage.ts";
import { TrafficHistory } from "./lib/traffic_history.ts";
import type { ConnInfo } from "./context.ts";
import { createApp } from "./server.tsx";

/** The admin token the stand-in expects. */
export const ADMIN_TOKEN = "admin-token-never-in-a-browser-0123456789";
/** The operator password. */
export const PASSWORD = "correct horse";

/** A request the stand-in controller received. */
export interface Seen {
  method: string;
  path: string;
  auth: string | null;
  body: string;
}

/** Options of testApp(). */
export interface TestAppOptions {
  /** Answers of the stand-in; default answers `{ok: true, path}` with 200. */
  upstream?: (req: Request, url: URL) => Response | Promise<Response>;
  /** Clock for sessions. */
  now?: () => number;
  /** UI_TRUSTED_PROXIES; default none. */
  trustedProxies?: string;
  /** UI_CONTROLLER_ADDR; default "controller.test:8443", undefined: not set. */
  controllerAddr?: string | undefined;
}

/** The UI handler, the requests its stand-in controller saw, and a helper that logs in. */
export function testApp(options: TestAppOptions = {}) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      auth: req.headers.get("authorization"),
      body: await req.text(),
    });
    if (options.upstream) return await options.upstream(req, url);
    return Response.json({ ok: true, path: url.pathname });
  }) as typeof fetch;
  const assets: Assets = {
    styleUrl: "/static/style.css?v=test",
    scriptUrl: "/static/build/islands-test.js",
    files: new Map([["/static/build/islands-test.js", {
      body: new TextEncoder().encode("console.log(1)"),
      type: "text/javascript",
      etag: '"abc"',
      immutable: true,
    }]]),
  };
  const lines: string[] = [];
  const verify = plainVerifier(PASSWORD);
  /** `evaluations`: how many times the password verifier ran. */
  const counters = { evaluations: 0 };
  const sessions = new SessionStore(3_600_000, options.now);
  const outage = new OutageWatch();
  const app = createApp({
    client: new AdminClient("http://controller.test:8080", ADMIN_TOKEN, fetchImpl),
    sessions,
    limiter: new LoginRateLimiter(),
    trustedProxies: TrustedProxies.parse(options.trustedProxies),
    verifyPassword: (candidate) => {
      counters.evaluations++;
      return verify(candidate);
    },
    assets,
    logger: createLogger({ write: (l) => lines.push(l) }),
    controllerAddr: "controllerAddr" in options ? options.controllerAddr : "controller.test:8443",
    sessionTtlMs: 3_600_000,
    traffic: new TrafficHistory(),
    outage,
  });
  const info = (hostname: string): ConnInfo => ({ remoteAddr: { transport: "tcp", hostname, port: 5555 } });
  /** Calls the UI as the TCP peer `from` (default 192.0.2.7). */
  const call = (path: string, init?: RequestInit, from = "192.0.2.7") =>
    app(new Request(`http://ui.test${path}`, init), info(from));
  /** Logs in; returns the cookie header and CSRF token of the session. */
  const login = async () => {
    const res = await call("/login", { method: "POST", body: new URLSearchParams({ password: PASSWORD }) });
    if (res.status !== 303) throw new Error(`login answered ${res.status}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("postern_session="))!.split(";")[0]!;
    const page = await (await call("/", { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    return { cookie, csrf };
  };
  return { app, call, login, seen, lines, sessions, counters, outage };
}
