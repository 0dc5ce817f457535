/**
 * The outage budget as the UI sees it: since when the controller's admin API has not answered the
 * traffic sampler's poll, and, from the last listing of connectors and tunnelers it answered, when
 * the first certificates of the agents that were ONLINE expire (they cannot be renewed while no
 * controller answers). Fed by the sampler in `traffic_history.ts` (one poll, every 5 s), kept in
 * the UI process's memory; a restart of the UI forgets it.
 * @module
 */
import { AdminApiError, ControllerUnreachableError } from "./admin_client.ts";
import type { TrafficRole } from "./traffic_history.ts";

/** What the watch reads of an agent in a listing. */
export interface ListedAgent {
  id: string;
  status?: string | null | undefined;
  cert_expires_at?: string | null | undefined;
}

/** Agents named in the banner; beyond it, "and N more". */
export const MAX_NAMED = 5;
/** Certificates expiring within this of the first one are named with it. */
export const FIRST_GROUP_MS = 60_000;

/** The banner's content, for the layout. */
export interface OutageBanner {
  /** The sentence shown. */
  text: string;
  /** When the first poll failed (ISO). */
  since: string;
  /** When the first certificate expires (ISO); absent when no listing had a certificate. */
  expiresAt?: string;
  /** The agents whose certificates expire first (up to {@link MAX_NAMED}). */
  agents: string[];
}

/** True for a failure that means the admin API did not answer: network, timeout, or a gateway's 502/503/504. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof ControllerUnreachableError) return true;
  if (error instanceof AdminApiError) {
    return error.status === 502 || error.status === 503 || error.status === 504;
  }
  return error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** An agent's certificate expiry. */
interface Expiry {
  id: string;
  t: number;
}

/** Reachability of the admin API and the last listing it answered. */
export class OutageWatch {
  #since: number | undefined;
  readonly #listed: Record<TrafficRole, Expiry[] | undefined> = {
    connectors: undefined,
    tunnelers: undefined,
  };

  /** Records a listing of `role` the admin API answered at `now`: the controller is reachable. */
  listed(role: TrafficRole, agents: readonly ListedAgent[], _now = Date.now()): void {
    this.#since = undefined;
    const expiries: Expiry[] = [];
    for (const a of agents) {
      if (typeof a?.id !== "string" || (a.status ?? "").toUpperCase() !== "ONLINE") continue;
      const t = typeof a.cert_expires_at === "string" ? Date.parse(a.cert_expires_at) : NaN;
      if (Number.isFinite(t)) expiries.push({ id: a.id, t });
    }
    this.#listed[role] = expiries;
  }

  /** Records a failed poll at `now`; only a failure {@link isUnreachable} starts an outage. */
  failed(error: unknown, now = Date.now()): void {
    if (isUnreachable(error)) this.#since ??= now;
  }

  /** When the outage began (ms), or undefined while the admin API answers. */
  get since(): number | undefined {
    return this.#since;
  }

  /** The banner at `now`, or undefined while the admin API answers. */
  banner(now = Date.now()): OutageBanner | undefined {
    const since = this.#since;
    if (since === undefined) return undefined;
    const head = `Controller unreachable since ${clock(since, now)} (${duration(now - since)})`;
    const known = this.#listed.connectors !== undefined || this.#listed.tunnelers !== undefined;
    // Certificates that had expired before the outage are not part of its budget.
    const all = [...(this.#listed.connectors ?? []), ...(this.#listed.tunnelers ?? [])]
      .filter((e) => e.t > since)
      .sort((a, b) => a.t - b.t || a.id.localeCompare(b.id));
    const first = all[0];
    if (!first) {
      const tail = known
        ? "no agent was ONLINE with a certificate in the last listing"
        : "no listing yet, so when certificates expire is unknown";
      return { text: `${head}; ${tail}`, since: iso(since), agents: [] };
    }
    const group = all.filter((e) => e.t - first.t < FIRST_GROUP_MS);
    const named = group.slice(0, MAX_NAMED).map((e) => e.id);
    const more = group.length > named.length ? ` and ${group.length - named.length} more` : "";
    const left = first.t > now
      ? `the first certificates expire at ${clock(first.t, now)} (${duration(first.t - now)} left)`
      : `the first certificates expired at ${clock(first.t, now)} (${duration(now - first.t)} ago)`;
    return {
      text: `${head}; ${left}: ${named.join(", ")}${more}`,
      since: iso(since),
      expiresAt: iso(first.t),
      agents: named,
    };
  }
}

const iso = (t: number) => new Date(t).toISOString();

/** "12:01:05 UTC", with the date when `t` is not on `now`'s UTC day. */
export function clock(t: number, now: number): string {
  const s = iso(t);
  const time = `${s.slice(11, 19)} UTC`;
  return s.slice(0, 10) === iso(now).slice(0, 10) ? time : `${s.slice(0, 10)} ${time}`;
}

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h" (rounded down). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
