/**
 * Status latency: how long the admin API takes to show a connector's change of state. A real
 * controller (HEARTBEAT_INTERVAL and OFFLINE_AFTER by flag) and a real connector process; the
 * API is polled every 5 ms from the moment of the signal:
 * - graceful stop (SIGTERM) to OFFLINE;
 * - start again with its stored identity to ONLINE (process start included);
 * - crash (SIGKILL) to OFFLINE, which can only come from the missing heartbeats: expected
 *   OFFLINE_AFTER plus at most one heartbeat interval.
 * The same three, measured at once, on a connectors page open in Chromium (bench/status_page.ts):
 * from the signal to the moment the page's DOM shows the new status (skipped, with the reason,
 * without Chromium). Prints one JSON object (milliseconds, one figure per round).
 *
 *   deno run -A bench/status_latency.ts [--rounds 3] [--heartbeat 1] [--offline-after 3]
 *     [--chromium /usr/bin/chromium | --no-page]
 * @module
 */
import { parseArgs } from "node:util";
import { startCluster } from "../tests/agents/_cluster.ts";
import { pickPort } from "../shared/demo/ports.ts";
import { makeDevDir } from "../shared/config/roots.ts";
import { CHROMIUM } from "../tests/support/chromium.ts";
import { openStatusPage, type StatusPage } from "./status_page.ts";

/** The figures of one run, each a list with one entry per round, ms. */
export interface StatusLatencyFigures {
  heartbeat_interval_s: number;
  offline_after_s: number;
  graceful_stop_to_offline_ms: number[];
  start_to_online_ms: number[];
  crash_to_offline_ms: number[];
  /** The same, until the open connectors page shows it (empty when skipped). */
  page_graceful_stop_to_offline_ms: number[];
  page_start_to_online_ms: number[];
  page_crash_to_offline_ms: number[];
  /** Why the page figures are missing (no Chromium, or not asked for). */
  page_skipped?: string;
}

/** Options of {@link runStatusLatency}. */
export interface StatusLatencyOptions {
  rounds?: number;
  heartbeatS?: number;
  offlineAfterS?: number;
  /** Chromium for the page figures (default /usr/bin/chromium); false: API figures only. */
  chromium?: string | false;
}

/** Runs `rounds` rounds of stop, start, crash, start. */
export async function runStatusLatency(o: StatusLatencyOptions = {}): Promise<StatusLatencyFigures> {
  const rounds = Math.max(1, o.rounds ?? 3);
  const hb = o.heartbeatS ?? 1;
  const off = o.offlineAfterS ?? 3;
  const dir = await makeDevDir("bench", "postern-bench-status-");
  const cluster = await startCluster(dir, { HEARTBEAT_INTERVAL: `${hb}s`, OFFLINE_AFTER: `${off}s` });
  const out: StatusLatencyFigures = {
    heartbeat_interval_s: hb,
    offline_after_s: off,
    graceful_stop_to_offline_ms: [],
    start_to_online_ms: [],
    crash_to_offline_ms: [],
    page_graceful_stop_to_offline_ms: [],
    page_start_to_online_ms: [],
    page_crash_to_offline_ms: [],
  };
  let page: StatusPage | undefined;
  /** ms from `t0` (Date.now()) until the API says `want`; bounded by `limitMs`. */
  const apiShows = async (want: string, t0: number, limitMs: number): Promise<number> => {
    while (Date.now() - t0 < limitMs) {
      if (await cluster.status("connectors", "c1") === want) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`connector c1 not ${want} within ${limitMs} ms`);
  };
  /** Runs `act` at `t0` and records when the API and the page (if open) show `want`. */
  const measure = async (
    act: () => void,
    want: "ONLINE" | "OFFLINE",
    limitMs: number,
    api: number[],
    shown: number[],
  ) => {
    const t0 = Date.now();
    act();
    const [a, p] = await Promise.all([apiShows(want, t0, limitMs), page?.shows(want, t0, limitMs)]);
    api.push(a);
    if (p !== undefined) shown.push(p);
  };
  try {
    const port = pickPort();
    let connector = await cluster.runConnector("c1", port);
    await apiShows("ONLINE", Date.now(), 10_000);
    if (o.chromium === false) out.page_skipped = "not asked for (--no-page)";
    else {
      const opened = await openStatusPage(cluster, "c1", o.chromium ?? CHROMIUM);
      if ("skipped" in opened) out.page_skipped = opened.skipped;
      else page = opened;
    }
    const startAgain = () =>
      measure(
        () => connector = cluster.start("connector", ["run"], cluster.connectorEnv("c1", port)),
        "ONLINE",
        20_000,
        out.start_to_online_ms,
        out.page_start_to_online_ms,
      );
    for (let i = 0; i < rounds; i++) {
      let stopped: Promise<number> | undefined;
      await measure(
        () => stopped = connector.stop("SIGTERM"),
        "OFFLINE",
        10_000,
        out.graceful_stop_to_offline_ms,
        out.page_graceful_stop_to_offline_ms,
      );
      await stopped;
      await startAgain();
      // A heartbeat or two first, so that the crash does not land right after the stream opened.
      await new Promise((r) => setTimeout(r, hb * 1000 * 1.5));
      let killed: Promise<number> | undefined;
      await measure(
        () => killed = connector.stop("SIGKILL"),
        "OFFLINE",
        (off + 2 * hb) * 1000 + 10_000,
        out.crash_to_offline_ms,
        out.page_crash_to_offline_ms,
      );
      await killed;
      await startAgain();
    }
    return out;
  } finally {
    await page?.close();
    await cluster.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values: a } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "3" },
      heartbeat: { type: "string", default: "1" },
      "offline-after": { type: "string", default: "3" },
      chromium: { type: "string", default: CHROMIUM },
      "no-page": { type: "boolean", default: false },
    },
  });
  console.log(JSON.stringify(
    await runStatusLatency({
      rounds: Number(a.rounds),
      heartbeatS: Number(a.heartbeat),
      offlineAfterS: Number(a["offline-after"]),
      chromium: a["no-page"] ? false : a.chromium,
    }),
    null,
    2,
  ));
}
