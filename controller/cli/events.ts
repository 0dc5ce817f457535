/**
 * `postern-controller events [--kind KIND] [--agent ID] [--limit N] [--follow]`: the audit trail,
 * oldest first; `--follow` then streams new events until interrupted.
 * @module
 */
import type { AdminEvent } from "../../shared/admin/client.ts";
import { type Group, type Invocation, stringOption, UsageError } from "./command.ts";
import { jsonText, table } from "./output.ts";

const HEADERS = ["TIME", "KIND", "ACTOR", "AGENT", "MESSAGE"];

function row(e: AdminEvent) {
  return [e.ts, e.kind, e.actor, e.agent, e.message];
}

/** Whether `e` passes the filters, as the API applies them (a kind ending in "." is a prefix). */
function matches(e: AdminEvent, kind: string | undefined, agent: string | undefined): boolean {
  if (kind !== undefined && (kind.endsWith(".") ? !e.kind.startsWith(kind) : e.kind !== kind)) return false;
  return agent === undefined || e.agent === agent;
}

async function events(inv: Invocation): Promise<void> {
  const kind = stringOption(inv, "kind");
  const agent = stringOption(inv, "agent");
  const limit = stringOption(inv, "limit") ?? "50";
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) {
    throw new UsageError(`invalid --limit "${limit}": use 1-1000`, inv.usage);
  }
  const q = new URLSearchParams({ limit });
  if (kind !== undefined) q.set("kind", kind);
  if (agent !== undefined) q.set("agent", agent);
  const client = inv.client();
  const follow = inv.values.follow === true;
  // Subscribed before reading the history, so nothing falls between the two.
  const live = follow ? await client.stream(inv.signal) : undefined;
  const page = await client.request<{ events: AdminEvent[] }>("GET", `/api/admin/events?${q}`);
  const past = [...page.events].reverse();
  const seen = new Set(past.map((e) => e.id));
  if (inv.json && !follow) return inv.print(jsonText(page));
  if (inv.json) past.forEach((e) => inv.print(JSON.stringify(e)));
  else if (!follow || past.length > 0) inv.print(table(HEADERS, past.map(row), "no events"));
  if (!live) return;
  if (!inv.json && past.length === 0) inv.print(HEADERS.join("  "));
  for await (const e of live) {
    if (!seen.has(e.id) && matches(e, kind, agent)) {
      inv.print(inv.json ? JSON.stringify(e) : row(e).map((c) => c ?? "-").join("  "));
    }
  }
}

/** The `events` group: a command itself. */
export const eventsGroup: Group = {
  name: "events",
  summary: "the audit trail; --follow streams it",
  commands: [{
    verb: "",
    synopsis: "[--kind KIND] [--agent ID] [--limit N] [--follow]",
    summary: "print recent events, oldest first (--json: the API's page; with --follow one event a line)",
    optionHelp: [
      "--kind KIND         one kind (token.created) or a prefix ending in . (tunnel.)",
      "--agent ID          events about one agent",
      "--limit N           how many recent events (1-1000, default 50)",
      "--follow            then print new events as they happen, until interrupted",
    ],
    options: {
      kind: { type: "string" },
      agent: { type: "string" },
      limit: { type: "string" },
      follow: { type: "boolean", short: "f" },
    },
    run: events,
  }],
};
