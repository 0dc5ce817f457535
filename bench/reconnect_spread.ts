/**
 * Reconnection spread after a controller loss: N simulated agents, each running the agents' real
 * reconnect loop (`runAgentLoop` with its full-jitter `Backoff`), hold one TCP connection to a
 * stand-in controller on loopback that greets each connection with one byte (the "received
 * message" that resets an agent's backoff). The controller drops every connection and stops
 * listening, stays away for `downMs`, and listens again on the same port. The bench records when
 * each agent's connection arrives after the return and prints the arrival histogram: with jitter
 * the agents spread over the ceiling their backoff had reached instead of arriving at once.
 *
 * Run: `deno run -A bench/reconnect_spread.ts [--agents 200] [--down-ms 10000] [--bucket-ms 500] [--no-jitter] [--json]`
 * (`--no-jitter`: every delay at its ceiling, the baseline where all agents arrive together).
 *
 * What it leaves out: TLS and gRPC (each agent's session is a plain TCP connection), so the figure
 * is the spread the loop and its backoff produce, not the controller's handshake cost.
 * @module
 */
import net from "node:net";
import { runAgentLoop } from "../shared/agent/agent_loop.ts";
import type { BackoffOptions } from "../shared/agent/backoff.ts";
import { createLogger } from "../shared/log/logger.ts";

/** Parameters of {@link measureReconnectSpread}. */
export interface SpreadOptions {
  /** Simulated agents; default 200. */
  agents?: number;
  /** How long the controller stays away, in ms; default 10 000. */
  downMs?: number;
  /** Histogram bucket width in ms; default 500. */
  bucketMs?: number;
  /** Backoff of every agent; default the agents' own (500 ms base, 30 s cap). */
  backoff?: BackoffOptions;
  /** Give up waiting for the last arrival after this many ms past the return; default 60 000. */
  timeoutMs?: number;
}

/** What {@link measureReconnectSpread} measured; times in ms after the controller returned. */
export interface SpreadResult {
  agents: number;
  downMs: number;
  bucketMs: number;
  /** Connection attempts refused while the controller was away. */
  attemptsWhileDown: number;
  /** Arrival time of each agent's reconnection, sorted. */
  arrivals: number[];
  /** Arrivals per bucket: `histogram[i]` counts arrivals in [i·bucketMs, (i+1)·bucketMs). */
  histogram: number[];
  first: number;
  p50: number;
  p90: number;
  last: number;
  /** The most arrivals in one bucket, and as a share of all agents. */
  peak: number;
  peakShare: number;
}

/** The stand-in controller: greets each connection with one byte, records when it arrived. */
class StandInController {
  readonly sockets = new Set<net.Socket>();
  arrivals: number[] = [];
  #server = net.createServer((s) => {
    this.arrivals.push(performance.now());
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => {});
    s.write("h");
  });
  port = 0;

  async listen(port = 0): Promise<void> {
    // A large backlog: the bench measures arrivals, not the kernel's accept queue.
    await new Promise<void>((r) =>
      this.#server.listen({ port, host: "127.0.0.1", backlog: 4096 }, () => r())
    );
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  /** Lost: stops listening and resets every connection. */
  async lose(): Promise<void> {
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    for (const s of this.sockets) s.resetAndDestroy();
    await closed;
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.lose();
    for (const s of this.sockets) s.destroy();
  }
}

/** One agent session: a TCP connection that counts as received once greeted and fails when it closes. */
function session(
  port: number,
  received: () => void,
  signal: AbortSignal,
  refused: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let greeted = false;
    const onAbort = () => {
      s.destroy();
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    s.on("data", () => {
      if (!greeted) received();
      greeted = true;
    });
    s.on("error", () => {});
    s.on("close", () => {
      signal.removeEventListener("abort", onAbort);
      if (!greeted) refused();
      reject(new Error(greeted ? "connection lost" : "connection refused"));
    });
  });
}

/** The value at quantile `q` of sorted `xs`. */
function quantile(xs: number[], q: number): number {
  return xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
}

/** Runs the scenario once and returns the arrival figures. */
export async function measureReconnectSpread(opts: SpreadOptions = {}): Promise<SpreadResult> {
  const agents = opts.agents ?? 200;
  const downMs = opts.downMs ?? 10_000;
  const bucketMs = opts.bucketMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const controller = new StandInController();
  await controller.listen();
  const abort = new AbortController();
  const log = createLogger({ write: () => {}, now: () => 0 });
  let refused = 0;
  const loops = Array.from({ length: agents }, (_, i) =>
    runAgentLoop({
      name: `agent ${i}`,
      session: (ctx) => session(controller.port, ctx.received, ctx.signal, () => refused++),
      signal: abort.signal,
      log,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    }));
  try {
    const deadline = performance.now() + timeoutMs;
    const until = async (what: string, ok: () => boolean) => {
      while (!ok()) {
        if (performance.now() > deadline) throw new Error(`reconnect_spread: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until("every agent to connect", () => controller.sockets.size === agents);
    await controller.lose();
    const refusedAtLoss = refused;
    await new Promise((r) => setTimeout(r, downMs));
    const attemptsWhileDown = refused - refusedAtLoss;
    controller.arrivals = [];
    await controller.listen(controller.port);
    const back = performance.now();
    await until("every agent to reconnect", () => controller.sockets.size === agents);
    const arrivals = controller.arrivals.map((t) => t - back).sort((a, b) => a - b).slice(0, agents);
    const histogram: number[] = [];
    for (const a of arrivals) {
      const i = Math.floor(Math.max(0, a) / bucketMs);
      while (histogram.length <= i) histogram.push(0);
      histogram[i]!++;
    }
    const peak = Math.max(...histogram);
    return {
      agents,
      downMs,
      bucketMs,
      attemptsWhileDown,
      arrivals,
      histogram,
      first: arrivals[0]!,
      p50: quantile(arrivals, 0.5),
      p90: quantile(arrivals, 0.9),
      last: arrivals.at(-1)!,
      peak,
      peakShare: peak / agents,
    };
  } finally {
    abort.abort();
    await controller.close();
    await Promise.allSettled(loops);
  }
}

/** The histogram as text: one line per bucket with a bar. */
export function formatSpread(r: SpreadResult): string {
  const lines = [
    `${r.agents} agents, controller away ${r.downMs} ms, ${r.attemptsWhileDown} attempts refused meanwhile`,
    `arrivals after its return (ms): first ${r.first.toFixed(0)}, p50 ${r.p50.toFixed(0)}, p90 ${
      r.p90.toFixed(0)
    }, last ${r.last.toFixed(0)}; busiest ${r.bucketMs} ms bucket ${r.peak} (${
      (r.peakShare * 100).toFixed(0)
    } %)`,
  ];
  const width = Math.max(1, r.peak);
  r.histogram.forEach((n, i) => {
    const from = `${i * r.bucketMs}`.padStart(6);
    lines.push(`${from} ms ${String(n).padStart(4)} ${"#".repeat(Math.round((n / width) * 50))}`);
  });
  return lines.join("\n");
}

if (import.meta.main) {
  const arg = (name: string, fallback: number) => {
    const i = Deno.args.indexOf(`--${name}`);
    const v = i >= 0 ? Number(Deno.args[i + 1]) : fallback;
    if (!Number.isFinite(v) || v <= 0) {
      throw new Error(`--${name}: expected a positive number, got "${Deno.args[i + 1]}"`);
    }
    return v;
  };
  const result = await measureReconnectSpread({
    agents: arg("agents", 200),
    downMs: arg("down-ms", 10_000),
    bucketMs: arg("bucket-ms", 500),
    ...(Deno.args.includes("--no-jitter") ? { backoff: { random: () => 0.999999 } } : {}),
  });
  console.log(Deno.args.includes("--json") ? JSON.stringify(result) : formatSpread(result));
}
