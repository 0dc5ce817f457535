/**
 * The dashboard's summaries of the last hour's tunnel events: the resources and tunnelers that
 * moved the most bytes (from `tunnel.closed`), and who was refused (`tunnel.refused`).
 * @module
 */
import type { AuditEvent } from "./admin_client.ts";

/** One row of a top list. */
export interface TopRow {
  name: string;
  tunnels: number;
  bytes: number;
}

const bytes = (n: unknown): number => typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : 0;

/** The `n` resources or tunnelers with the most bytes (both ways) over `closed` events, then by tunnels. */
export function topBy(closed: readonly AuditEvent[], field: "resource" | "tunneler", n = 5): TopRow[] {
  const rows = new Map<string, TopRow>();
  for (const e of closed) {
    const name = e[field];
    if (e.kind !== "tunnel.closed" || typeof name !== "string") continue;
    const r = rows.get(name) ?? { name, tunnels: 0, bytes: 0 };
    r.tunnels++;
    r.bytes += bytes(e.bytes_in) + bytes(e.bytes_out);
    rows.set(name, r);
  }
  return [...rows.values()].sort((a, b) =>
    b.bytes - a.bytes || b.tunnels - a.tunnels || a.name.localeCompare(b.name)
  )
    .slice(0, n);
}

/** One tunneler's refusals. */
export interface RefusedRow {
  /** The tunneler, or "" when the connector could not tell who it was. */
  tunneler: string;
  count: number;
  /** The latest refusal's error text. */
  lastError: string;
  lastTs: string | undefined;
}

/** Refusals per tunneler, most first (events newest first, as the API lists them). */
export function refusedBy(refused: readonly AuditEvent[], n = 5): RefusedRow[] {
  const rows = new Map<string, RefusedRow>();
  for (const e of refused) {
    if (e.kind !== "tunnel.refused") continue;
    const who = typeof e.tunneler === "string" ? e.tunneler : "";
    const r = rows.get(who);
    if (r) r.count++;
    else {
      rows.set(who, {
        tunneler: who,
        count: 1,
        lastError: typeof e.error === "string" ? e.error : String(e.reason ?? ""),
        lastTs: e.ts,
      });
    }
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || a.tunneler.localeCompare(b.tunneler)).slice(
    0,
    n,
  );
}
