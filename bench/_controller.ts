/**
 * Bench helper: one real controller process on loopback (its own CA, Deno KV state in a fresh
 * directory), ready when `/readyz` answers, stopped with SIGTERM (SIGKILL after 10 s, 120 s when
 * profiled: the profile is written as it exits).
 * @module
 */
import { createCa } from "../shared/pki/ca.ts";
import { pickPort } from "../shared/demo/ports.ts";
import { makeDevDir } from "../shared/config/roots.ts";
import { CONTROLLER_V8_FLAGS_ARG } from "../controller/v8_flags.ts";
import { linesOf } from "./_lines.ts";

/** The longest unfinished line kept from the controller's output, characters. */
const MAX_PENDING = 10_000;

/** The admin token every bench controller accepts. */
export const BENCH_ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
/** The trust domain of every bench controller. */
export const BENCH_TRUST_DOMAIN = "postern.internal";

/** A running bench controller. */
export interface BenchController {
  /** Its process. */
  process: Deno.ChildProcess;
  /** `http://127.0.0.1:PORT` of the admin API. */
  adminUrl: string;
  /** `127.0.0.1:PORT` of the gRPC listener. */
  grpcAddr: string;
  /** The CA certificate, PEM. */
  caPem: string;
  /** The state directory (removed by `stop`). */
  dir: string;
  /**
   * Each `event loop stalled` warn line of the controller (`controller/event_loop_stalls.ts`, a
   * stall over 200 ms): when it was logged (epoch ms, the line's own time) and the stall's length.
   */
  stalls: Array<{ at: number; ms: number }>;
  /** Each collection V8 reported, when the controller runs with `--trace-gc` (else empty). */
  gc: GcEvent[];
  /** An admin API call with the bench token. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the process and removes the directory. */
  stop(): Promise<void>;
}

/** One collection as `--trace-gc` prints it. */
export interface GcEvent {
  /**
   * When the line arrived (epoch ms). V8 writes it through a buffered pipe, so it can arrive seconds
   * after the collection: place it by `isolateMs` ({@link placeGcEvents}).
   */
  at: number;
  /** The isolate's own clock at the end of the collection, ms since it started. */
  isolateMs: number;
  /** The isolate (`0x...`): the controller's own, or its ECDSA worker's. */
  isolate: string;
  /** `Scavenge`, `Mark-Compact`, `Incremental Mark-Compact`, ... */
  kind: string;
  /** Heap before and after, MB. */
  beforeMb: number;
  afterMb: number;
  /** The pause, ms. */
  pauseMs: number;
  /** A mark-compact's incremental marking steps on the main thread before the pause, ms. */
  stepsMs: number;
  /** A mark-compact's wall time from the start of marking, ms. */
  walltimeMs: number;
}

/** The collection of one `--trace-gc` line, undefined for other lines. */
export function parseTraceGc(line: string, at: number): GcEvent | undefined {
  const m =
    /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (.+?) ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms(.*)$/
      .exec(line);
  if (!m) return undefined;
  const steps = /\+ ([\d.]+) ms in \d+ steps/.exec(m[7]!);
  const wall = /walltime since start of marking (\d+) ms/.exec(m[7]!);
  return {
    at,
    isolateMs: Number(m[2]),
    isolate: m[1]!,
    kind: m[3]!,
    beforeMb: Number(m[4]),
    afterMb: Number(m[5]),
    pauseMs: Number(m[6]),
    stepsMs: steps ? Number(steps[1]) : 0,
    walltimeMs: wall ? Number(wall[1]) : 0,
  };
}

/**
 * `events` with `at` set to when each collection ended (epoch ms): the isolate's own clock plus its
 * offset from the wall clock, taken from the line that arrived soonest after its collection (the
 * one that filled the pipe's buffer arrives at once; the others wait for it).
 */
export function placeGcEvents(events: readonly GcEvent[]): GcEvent[] {
  const offset = new Map<string, number>();
  for (const e of events) {
    offset.set(e.isolate, Math.min(offset.get(e.isolate) ?? Infinity, e.at - e.isolateMs));
  }
  return events.map((e) => ({ ...e, at: e.isolateMs + offset.get(e.isolate)! }));
}

/**
 * Starts a controller; `env` adds to (or overrides) the bench's settings, `denoArgs` go before
 * the script (e.g. `--cpu-prof`), `ca` is the internal CA to use (default: a fresh one; several
 * controllers on one etcd store share one), `v8Flags` the `--v8-flags=...` argument (default the
 * one every launch of the controller uses, `controller/v8_flags.ts`; `""`: none).
 */
export async function startBenchController(
  env: Record<string, string> = {},
  denoArgs: string[] = [],
  ca?: { certPem: string; keyPem: string },
  v8Flags: string = CONTROLLER_V8_FLAGS_ARG,
): Promise<BenchController> {
  const root = new URL("..", import.meta.url).pathname;
  const dir = await makeDevDir("bench", "postern-bench-ctl-");
  const { certPem: caPem, keyPem } = ca ?? await createCa({ commonName: "Bench CA" });
  const adminPort = pickPort();
  const grpcAddr = `127.0.0.1:${pickPort()}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "-P=controller",
      ...(v8Flags ? [v8Flags] : []),
      ...denoArgs,
      "controller/main.ts",
      "serve",
    ],
    cwd: root,
    env: {
      INTERNAL_CA_CERT: caPem,
      INTERNAL_CA_KEY: keyPem,
      ADMIN_AUTH_TOKEN: BENCH_ADMIN_TOKEN,
      ADMIN_HTTP_ADDR: `127.0.0.1:${adminPort}`,
      CONTROLLER_GRPC_ADDR: grpcAddr,
      CONTROLLER_STATE_DIR: `${dir}/state`,
      LOG_LEVEL: "warn",
      ...env,
    },
    stdout: v8Flags.includes("--trace-gc") ? "piped" : "null",
    stderr: "piped",
  }).spawn();
  const gc: GcEvent[] = [];
  if (v8Flags.includes("--trace-gc")) {
    void (async () => {
      for await (const line of linesOf(process.stdout, MAX_PENDING)) {
        const e = parseTraceGc(line, Date.now());
        if (e) gc.push(e);
      }
    })();
  }
  const log: string[] = [];
  const stalls: Array<{ at: number; ms: number }> = [];
  void (async () => {
    for await (const line of linesOf(process.stderr, MAX_PENDING)) {
      if (log.length < 50) log.push(line.slice(0, 500));
      const m = /^(\S+) WARN +event loop stalled .*\bstall_ms=(\d+)/.exec(line);
      if (m) stalls.push({ at: Date.parse(m[1]!), ms: Number(m[2]) });
    }
  })();
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(adminUrl + path, {
      ...init,
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, "content-type": "application/json" },
    });
  const stop = async () => {
    try {
      process.kill("SIGTERM");
    } catch { /* gone */ }
    // A CPU profile of a long run is written as the process exits, which can take a minute.
    const profiling = denoArgs.some((x) => x.startsWith("--cpu-prof"));
    const t = setTimeout(() => {
      try {
        process.kill("SIGKILL");
      } catch { /* gone */ }
    }, profiling ? 120_000 : 10_000);
    await process.status;
    clearTimeout(t);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const readyBy = Date.now() + 30_000;
  while (true) {
    const ok = await fetch(`${adminUrl}/readyz`).then((r) => (r.body?.cancel(), r.ok), () => false);
    if (ok) break;
    if (Date.now() > readyBy) {
      await stop();
      throw new Error(`controller not ready within 30 s: ${log.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { process, adminUrl, grpcAddr, caPem, dir, stalls, gc, admin, stop };
}

/** utime+stime of a process, seconds (Linux). */
export function cpuSeconds(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Resident set size of a process, MiB (Linux). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/**
 * CPU seconds of a process's main thread (its JavaScript event loop) and of all its other threads
 * (Linux); `byName` sums them by thread name (`main` for the main thread; e.g. `tokio-runtime-w`,
 * `V8 DefaultWorke`, a Deno worker's name), so a profile can say which thread spent what.
 */
export function threadCpuSeconds(
  pid: number,
): { main: number; others: number; byName: Record<string, number> } {
  let main = 0;
  let others = 0;
  const byName: Record<string, number> = {};
  for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${pid}/task/${e.name}/stat`);
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = Number(e.name) === pid ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    const s = (Number(f[11]) + Number(f[12])) / 100;
    if (Number(e.name) === pid) main += s;
    else others += s;
    byName[name] = (byName[name] ?? 0) + s;
  }
  return { main, others, byName };
}

/** CPU ms per unit of work by thread name between two {@link threadCpuSeconds} readings, largest first. */
export function threadMsPer(
  before: Record<string, number>,
  after: Record<string, number>,
  units: number,
): Record<string, number> {
  const out: [string, number][] = [];
  for (const [name, s] of Object.entries(after)) {
    const ms = Math.round(((s - (before[name] ?? 0)) * 1000 / Math.max(1, units)) * 100) / 100;
    if (ms > 0) out.push([name, ms]);
  }
  return Object.fromEntries(out.sort((a, b) => b[1] - a[1]));
}
