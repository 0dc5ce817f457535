/**
 * The events page's filters (kind, agent, resource, time) from its query string, and the admin
 * API query they become. Times: a "within the last" choice, or from/to in UTC (the browser's
 * datetime-local form, or RFC 3339).
 * @module
 */

/** The "within the last" choices: seconds and label. */
export const WITHIN_CHOICES: readonly (readonly [string, string])[] = [
  ["900", "15 minutes"],
  ["3600", "hour"],
  ["86400", "24 hours"],
  ["604800", "7 days"],
];

/** The filters as the form shows them. */
export interface EventFilters {
  kind: string;
  agent: string;
  resource: string;
  /** Seconds, one of {@link WITHIN_CHOICES}, or "". */
  within: string;
  /** As typed: `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339; "" for none. */
  from: string;
  to: string;
  limit: number;
}

/** `2026-01-02T03:04` (datetime-local, read as UTC) or RFC 3339 as RFC 3339; undefined when neither. */
export function utcTime(text: string): string | undefined {
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text);
  const iso = local ? `${text}${text.length === 16 ? ":00" : ""}Z` : text;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(Date.parse(iso))) return undefined;
  return new Date(Date.parse(iso)).toISOString();
}

/** The filters of a request's query string (unknown or malformed values left empty). */
export function readFilters(params: URLSearchParams): EventFilters {
  const get = (k: string) => params.get(k)?.trim() ?? "";
  const limitText = get("limit");
  const within = get("within");
  return {
    kind: get("kind"),
    agent: get("agent"),
    resource: get("resource"),
    within: WITHIN_CHOICES.some(([v]) => v === within) ? within : "",
    from: get("from") || get("since"),
    to: get("to") || get("until"),
    limit: /^\d{1,4}$/.test(limitText) && Number(limitText) > 0 ? Math.min(1000, Number(limitText)) : 100,
  };
}

/**
 * The admin API query (`?kind=…&since=…`) of `f` at `now`, or the error naming the bad time.
 */
export function apiQuery(f: EventFilters, now: number): { query: string } | { error: string } {
  const q = new URLSearchParams();
  if (f.kind) q.set("kind", f.kind);
  if (f.agent) q.set("agent", f.agent);
  if (f.resource) q.set("resource", f.resource);
  let since = f.within ? new Date(now - Number(f.within) * 1000).toISOString() : undefined;
  if (f.from) {
    since = utcTime(f.from);
    if (!since) return { error: `invalid from time "${f.from}": use 2026-01-02T03:04 (UTC)` };
  }
  if (since) q.set("since", since);
  if (f.to) {
    const until = utcTime(f.to);
    if (!until) return { error: `invalid to time "${f.to}": use 2026-01-02T03:04 (UTC)` };
    q.set("until", until);
  }
  q.set("limit", String(f.limit));
  return { query: `?${q}` };
}

/** Whether any filter narrows the list. */
export function isFiltered(f: EventFilters): boolean {
  return Boolean(f.kind || f.agent || f.resource || f.within || f.from || f.to);
}
