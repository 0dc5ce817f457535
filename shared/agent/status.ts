/**
 * The status file a running agent writes into its state directory (status.json, every few
 * seconds) and the `status` subcommand that prints it with the stored identity.
 * @module
 */
import { join } from "node:path";
import { writeAtomic } from "./atomic_file.ts";
import type { IdentityStore } from "./identity_store.ts";

/** What a running agent reports about itself. */
export interface RuntimeStatus {
  pid: number;
  /** RFC 3339 time this file was written. */
  updated_at: string;
  /** "connected", "connecting", "refused: ..." */
  control_plane: string;
  /** RFC 3339 time of the last (re)connection. */
  connected_since?: string;
  reconnects: number;
  /** The controller of CONTROLLER_ADDR in use (tried first). */
  controller?: string;
  /** RFC 3339 time since when no controller answers; absent while one does. */
  controller_unreachable_since?: string;
  /** RFC 3339 expiry of the certificate in force (the end of the outage budget). */
  certificate_not_after?: string;
  sessions: number;
  bytes_in: number;
  bytes_out: number;
  /** Program-specific details (allowlist size, forwards, ...). */
  details?: Record<string, unknown>;
}

/** Path of the status file in `dir`. */
export function statusPath(dir: string): string {
  return join(dir, "status.json");
}

/** Writes status.json atomically. */
export async function writeStatus(dir: string, status: RuntimeStatus): Promise<void> {
  await writeAtomic(statusPath(dir), JSON.stringify(status) + "\n", { mode: 0o644 });
}

/** The whole `status` report: identity plus runtime. */
export interface StatusReport {
  state_dir: string;
  identity: {
    spiffe_id: string;
    not_before: string;
    not_after: string;
    expires_in_s: number;
    trusted_ca_fingerprints: string[];
  } | null;
  identity_error?: string;
  running: boolean;
  runtime: RuntimeStatus | null;
  /**
   * While no controller answers (a running agent's `controller_unreachable_since`): since when, and
   * the outage budget, the seconds until the certificate in force expires (then tunnels are refused).
   */
  outage?: {
    controller_unreachable_since: string;
    unreachable_for_s: number;
    certificate_not_after: string;
    budget_left_s: number;
  };
}

/** Builds the status report from the state directory. A status file older than 15 s means not running. */
export async function statusReport(store: IdentityStore, now = Date.now()): Promise<StatusReport> {
  const report: StatusReport = { state_dir: store.dir, identity: null, running: false, runtime: null };
  if (await store.exists()) {
    try {
      const { svid, bundle } = await store.load();
      report.identity = {
        spiffe_id: svid.spiffeId.uri,
        not_before: svid.notBefore.toISOString(),
        not_after: svid.notAfter.toISOString(),
        expires_in_s: Math.round((svid.notAfter.getTime() - now) / 1000),
        trusted_ca_fingerprints: bundle.fingerprints(),
      };
    } catch (e) {
      report.identity_error = (e as Error).message;
    }
  }
  try {
    const runtime = JSON.parse(await Deno.readTextFile(statusPath(store.dir))) as RuntimeStatus;
    report.runtime = runtime;
    report.running = runtime.control_plane !== "stopped" && now - Date.parse(runtime.updated_at) < 15_000;
  } catch { /* never ran */ }
  const since = report.running ? report.runtime?.controller_unreachable_since : undefined;
  const notAfter = report.runtime?.certificate_not_after ?? report.identity?.not_after;
  if (since && notAfter) {
    report.outage = {
      controller_unreachable_since: since,
      unreachable_for_s: Math.max(0, Math.round((now - Date.parse(since)) / 1000)),
      certificate_not_after: notAfter,
      budget_left_s: Math.max(0, Math.round((Date.parse(notAfter) - now) / 1000)),
    };
  }
  return report;
}

/** The report as readable text. */
export function formatStatus(r: StatusReport): string {
  const lines = [`state directory: ${r.state_dir}`];
  if (r.identity) {
    lines.push(
      `identity:        ${r.identity.spiffe_id}`,
      `certificate:     valid until ${r.identity.not_after} (in ${r.identity.expires_in_s} s)`,
      `trusted CAs:     ${r.identity.trusted_ca_fingerprints.map((f) => `sha256:${f}`).join(", ")}`,
    );
  } else {
    lines.push(
      `identity:        ${r.identity_error ?? "none (not enrolled: run enroll with ENROLLMENT_TOKEN)"}`,
    );
  }
  if (r.runtime && r.running) {
    lines.push(
      `agent:           running (pid ${r.runtime.pid})`,
      `control plane:   ${r.runtime.control_plane}${
        r.runtime.connected_since ? ` since ${r.runtime.connected_since}` : ""
      }`,
      `controller:      ${controllerLine(r)}`,
      `reconnects:      ${r.runtime.reconnects}`,
      `sessions:        ${r.runtime.sessions}`,
      `bytes:           in ${r.runtime.bytes_in}, out ${r.runtime.bytes_out}`,
    );
    for (const [k, v] of Object.entries(r.runtime.details ?? {})) {
      lines.push(`${(k + ":").padEnd(17)}${JSON.stringify(v)}`);
    }
  } else {
    lines.push(`agent:           not running${r.runtime ? ` (last seen ${r.runtime.updated_at})` : ""}`);
  }
  return lines.join("\n");
}

/** The controller line of a running agent: the one in use, or since when none answers and the budget left. */
function controllerLine(r: StatusReport): string {
  const current = r.runtime?.controller ?? "unknown";
  if (!r.outage) return `${current} (in use)`;
  const o = r.outage;
  return `unreachable since ${o.controller_unreachable_since} (${o.unreachable_for_s} s); outage budget ${o.budget_left_s} s left (the certificate expires at ${o.certificate_not_after})`;
}
