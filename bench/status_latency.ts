/**
 * Status latency: how long the admin API takes to show a connector's change of state. A real
 * controller (HEARTBEAT_INTERVAL and OFFLINE_AFTER by flag) and a real connector process; the
 * API is polled every 5 ms from the moment of the signal:
 * - graceful stop (SIGTERM) to OFFLINE;
 * - start again with its stored identity to ONLINE (process start included);
 * - crash (SIGKILL) to OFFLINE, which can only come from the missing heartbeats: expected
 *   OFFLINE_AFTER plus at most one heartbeat interval.
 * Prints one JSON object (milliseconds, one figure per round).
 *
 *   deno run -A bench/status_latency.ts [--rounds 3] [--heartbeat 1] [--offline-after 3]
 * @module
 */
import { parseArgs } from "node:util";
import { startCluster } from "../tests/agents/_cluster.ts";
import { pickPort } from "../shared/demo/ports.ts";
import { makeDevDir } from "../shared/config/roots.ts";

/** The figures of one run, each a list with one entry per round, ms. */
export interface StatusLatencyFigures {
  heartbeat_interval_s: number;
  offline_after_s: number;
  graceful_stop_to_offline_ms: number[];
  start_to_online_ms: number[];
  crash_to_offline_ms: number[];
}

/** Runs `rounds` rounds of stop, start, crash, start. */
export async function runStatusLatency(
  o: { rounds?: number; heartbeatS?: number; offlineAfterS?: number } = {},
): Promise<StatusLatencyFigures> {
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
  };
  /** ms from `t0` until the API says `want`; bounded by `limitMs`. */
  const until = async (want: string, t0: number, limitMs: number): Promise<number> => {
    while (performance.now() - t0 < limitMs) {
      if (await cluster.status("connectors", "c1") === want) return Math.round(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`connector c1 not ${want} within ${limitMs} ms`);
  };
  try {
    const port = pickPort();
    let connector = await cluster.runConnector("c1", port);
    await until("ONLINE", performance.now(), 10_000);
    const startAgain = async () => {
      const t0 = performance.now();
      connector = cluster.start("connector", ["run"], cluster.connectorEnv("c1", port));
      out.start_to_online_ms.push(await until("ONLINE", t0, 20_000));
    };
    for (let i = 0; i < rounds; i++) {
      let t0 = performance.now();
      const stopped = connector.stop("SIGTERM");
      out.graceful_stop_to_offline_ms.push(await until("OFFLINE", t0, 10_000));
      await stopped;
      await startAgain();
      // A heartbeat or two first, so that the crash does not land right after the stream opened.
      await new Promise((r) => setTimeout(r, hb * 1000 * 1.5));
      t0 = performance.now();
      const killed = connector.stop("SIGKILL");
      out.crash_to_offline_ms.push(await until("OFFLINE", t0, (off + 2 * hb) * 1000 + 10_000));
      await killed;
      await startAgain();
    }
    return out;
  } finally {
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
    },
  });
  console.log(JSON.stringify(
    await runStatusLatency({
      rounds: Number(a.rounds),
      heartbeatS: Number(a.heartbeat),
      offlineAfterS: Number(a["offline-after"]),
    }),
    null,
    2,
  ));
}
