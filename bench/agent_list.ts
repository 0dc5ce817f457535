/**
 * Listing benchmark: the JSON of `GET /api/admin/connectors` for N connectors, rendered the way
 * the admin API renders it (`agentListJson()`, which reuses each agent's JSON while nothing it
 * shows changed) beside rendering every view anew (`JSON.stringify` of `agentView()`), in one
 * process, interleaved round by round. Between two listings a quarter of the agents heartbeat and
 * the clock moves 2.5 s on (10 s heartbeats, a listing every 2.5 s). Prints one JSON object.
 *
 *   deno run -A bench/agent_list.ts [--n 10000] [--rounds 40]
 * @module
 */
import { parseArgs } from "node:util";
import { openKvStore } from "../controller/store/kv_store.ts";
import { quietPresence } from "../controller/presence_testing.ts";
import { connectorRecord } from "../controller/registry/testing.ts";
import { agentListJson, agentView } from "../controller/admin/agent_view.ts";

/** Figures of one run, ms per listing. */
export interface AgentListFigures {
  n: number;
  rounds: number;
  cached_ms: { p50: number; max: number };
  uncached_ms: { p50: number; max: number };
  /** Both renderings gave the same text in every round. */
  same_text: boolean;
}

/** Runs the benchmark. */
export async function runAgentListBench(n: number, rounds: number): Promise<AgentListFigures> {
  const kv = await openKvStore(":memory:");
  try {
    let now = Date.UTC(2026, 11, 1);
    const clock = () => now;
    const presence = quietPresence(kv, clock);
    const records = Array.from(
      { length: n },
      (_, i) => connectorRecord(`c${i}`, { enrolledAt: now, certExpiresAt: now + 86_400_000 + i * 1000 }),
    );
    const fp = ["ab".repeat(32)];
    const beat = (i: number) =>
      presence.seen("connector", `c${i}`, {
        version: "bench",
        trustedCaFingerprints: [...fp],
        activeSessions: i % 7,
        bytesIn: i * 10,
        bytesOut: i * 20,
      });
    for (let i = 0; i < n; i++) beat(i);
    const cached: number[] = [];
    const uncached: number[] = [];
    let same = true;
    for (let r = 0; r < rounds; r++) {
      now += 2500;
      for (let i = r % 4; i < n; i += 4) beat(i);
      let t = performance.now();
      // One slice: this measures the rendering, not the turns of the event loop between slices.
      const a = await agentListJson(presence, records, { sliceMs: Infinity });
      cached.push(performance.now() - t);
      t = performance.now();
      const b = JSON.stringify(records.map((x) => agentView(presence, x)));
      uncached.push(performance.now() - t);
      same &&= a === b;
    }
    const fig = (xs: number[]) => {
      const s = xs.slice(1).sort((x, y) => x - y); // the first: the cache is empty
      return {
        p50: Math.round(s[Math.floor(s.length / 2)]! * 10) / 10,
        max: Math.round(s.at(-1)! * 10) / 10,
      };
    };
    return { n, rounds, cached_ms: fig(cached), uncached_ms: fig(uncached), same_text: same };
  } finally {
    await kv.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { n: { type: "string", default: "10000" }, rounds: { type: "string", default: "40" } },
  });
  console.log(JSON.stringify(await runAgentListBench(Number(values.n), Number(values.rounds)), null, 2));
}
