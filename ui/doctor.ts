/**
 * `postern-ui doctor [--json] [--env-file PATH]`: is the admin API configured (6.2), reachable,
 * does it accept ADMIN_AUTH_TOKEN, does every read route the UI relies on answer (6.1), and is
 * this host's clock close to the controller's (its Date header). Needs no operator password.
 * @module
 */
import { doctorEnv, type Finding, printFindings } from "../shared/cli/doctor.ts";
import { type Env, optional } from "../shared/config/env.ts";
import { PROGRAM_VARIABLES } from "../shared/config/variables.ts";
import { TrustBundle } from "../shared/pki/bundle.ts";
import { MISSING_API_CONFIG } from "./config.ts";
import { AdminClient, adminFetch } from "./lib/admin_client.ts";

/** The read routes of the admin API every page of the UI needs. */
export const DOCTOR_ROUTES = [
  "/api/admin/connectors",
  "/api/admin/tunnelers",
  "/api/admin/tokens",
  "/api/admin/events?limit=1",
  "/api/admin/ca",
] as const;

/** Clock skew beyond which a finding fails (certificates are back-dated by a minute). */
export const MAX_SKEW_MS = 60_000;

/** Runs the checks against the admin API configured in `env`. */
export async function uiDiagnose(env: Env, now: () => number = Date.now): Promise<Finding[]> {
  const apiUrl = optional(env, "ADMIN_API_URL");
  const token = optional(env, "ADMIN_AUTH_TOKEN");
  if (!apiUrl || !token) {
    const missing = [!apiUrl && "ADMIN_API_URL", !token && "ADMIN_AUTH_TOKEN"].filter(Boolean).join(" and ");
    return [{
      ok: false,
      id: "6.2",
      what: `${MISSING_API_CONFIG}: ${missing} not set`,
      remedy:
        `set ${missing} (e.g. ADMIN_API_URL=http://127.0.0.1:8080 and the controller's ADMIN_AUTH_TOKEN)`,
    }];
  }
  const out: Finding[] = [{ ok: true, id: "6.2", what: `admin API configured: ${apiUrl}`, remedy: "" }];
  let caCerts: string[] | undefined;
  const caPath = optional(env, "ADMIN_CA_PATH");
  if (caPath) {
    try {
      caCerts = TrustBundle.fromPem(await Deno.readTextFile(caPath)).pems();
    } catch (e) {
      out.push({
        ok: false,
        id: "admin-tls",
        what: `ADMIN_CA_PATH "${caPath}": ${(e as Error).message}`,
        remedy: "point ADMIN_CA_PATH at the PEM file of the CA that signs the admin API's certificate",
      });
      return out;
    }
  }
  const client = new AdminClient(apiUrl, token, adminFetch(caCerts));
  let clockChecked = false;
  for (const route of DOCTOR_ROUTES) {
    let res: Response;
    try {
      res = await client.raw(route, { signal: AbortSignal.timeout(5_000) });
    } catch (e) {
      out.push({
        ok: false,
        id: "controller",
        what: (e as Error).message,
        remedy: "start the controller, or fix ADMIN_API_URL (scheme, host and port of its admin API)",
      });
      return out;
    }
    await res.body?.cancel();
    if (!clockChecked) {
      clockChecked = true;
      out.push(clockFinding(res.headers.get("date"), now()));
    }
    if (res.status === 404) {
      out.push({
        ok: false,
        id: "6.1",
        what: `GET ${apiUrl}${route}: 404 Not Found`,
        remedy: "ADMIN_API_URL must be the controller's admin API root (no path), e.g. http://127.0.0.1:8080",
      });
    } else if (res.status === 401 || res.status === 403) {
      out.push({
        ok: false,
        id: "auth",
        what: `GET ${apiUrl}${route}: ${res.status}: the controller refused ADMIN_AUTH_TOKEN`,
        remedy: "set ADMIN_AUTH_TOKEN to the controller's ADMIN_AUTH_TOKEN",
      });
      return out;
    } else if (!res.ok) {
      out.push({
        ok: false,
        id: "6.1",
        what: `GET ${apiUrl}${route}: ${res.status} ${res.statusText}`,
        remedy: "see the controller's log for this request",
      });
    } else out.push({ ok: true, id: "6.1", what: `GET ${route} answers ${res.status}`, remedy: "" });
  }
  return out;
}

/** Compares the controller's Date header with this host's clock. */
function clockFinding(date: string | null, now: number): Finding {
  const theirs = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(theirs)) {
    return {
      ok: true,
      id: "clock",
      what: "the controller sent no Date header (clock not compared)",
      remedy: "",
    };
  }
  const skew = now - theirs;
  // The header has a resolution of one second.
  const ok = Math.abs(skew) <= MAX_SKEW_MS + 1_000;
  return {
    ok,
    id: "clock",
    what: `clock skew against the controller: ${Math.round(skew / 1000)} s`,
    remedy: ok ? "" : "synchronise this host's clock (NTP): certificates are checked against it",
  };
}

/** `postern-ui doctor`: prints the findings; returns 1 when one failed. */
export async function runUiDoctor(
  env: Env,
  flags: { json: boolean; envFile: string | undefined },
): Promise<number> {
  const loaded = await doctorEnv(env, flags.envFile, PROGRAM_VARIABLES.ui);
  return printFindings([...loaded.findings, ...await uiDiagnose(loaded.env)], flags.json);
}
