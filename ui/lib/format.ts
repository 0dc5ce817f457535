/** Formatting shared by server-rendered pages and islands (no DOM, no secrets). */

/** "5s ago", "3m ago", "in 2h", "never" for a timestamp relative to `now`. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = Math.round((now - t) / 1000);
  const abs = Math.abs(diff);
  const text = abs < 60
    ? `${abs}s`
    : abs < 3600
    ? `${Math.floor(abs / 60)}m`
    : abs < 86400
    ? `${Math.floor(abs / 3600)}h`
    : `${Math.floor(abs / 86400)}d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** A timestamp as "2026-11-28 16:05:19 UTC". */
export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/**
 * Certificates that expire within this window count as "expiring soon" (15 minutes). Agents renew
 * once less than a third of the lifetime remains (20 minutes of the default 1 h), so a certificate
 * listed here has missed its renewal (failure mode 4.1) rather than merely being short-lived.
 */
export const EXPIRING_SOON_MS = 15 * 60_000;

/** True when the certificate expires within `EXPIRING_SOON_MS` of `now` (or has expired). */
export function expiresSoon(iso: string | null | undefined, now: number): boolean {
  if (!iso) return false;
  const t = Date.parse(iso);
  return !Number.isNaN(t) && t - now < EXPIRING_SOON_MS;
}

/** "ONLINE" / "OFFLINE" / other, upper-cased. */
export function statusOf(agent: { status?: string | undefined }): string {
  return (agent.status ?? "UNKNOWN").toUpperCase();
}

/** An event's `message`, else its other fields as "key=value" text. */
export function eventDetails(event: Record<string, unknown>): string {
  if (typeof event.message === "string") return event.message;
  return Object.entries(event)
    .filter(([k]) => !["id", "ts", "kind", "agent", "role"].includes(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

/** A byte count for people: `0 B`, `1.5 KiB`, `12 MiB`; "—" when unknown. */
export function formatBytes(n: number | null | undefined): string {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
