/**
 * Control-plane scale benchmark: real controllers (their own processes, loopback only) with N
 * connectors enrolled through the admin API and the Enroll RPC, each holding one
 * ControlPlane.Connect stream and heartbeating every HEARTBEAT_INTERVAL, from 1-4 load processes.
 * Prints one JSON object: streams established, RSS and CPU per controller, admin API latency under
 * load, heartbeat-to-registry latency, time for an allowlist PUT to reach a connected stream, and
 * the store's writes per second (Deno KV commits, or etcd revisions).
 *
 *   deno run -A bench/control_plane.ts [--n 2000] [--procs 2] [--rate 200] [--steady 60]
 *     [--heartbeat 10] [--settle 0] [--store kv|etcd] [--controllers 1] [--ramp-timeout 120]
 *     [--v8-flags none|--v8-flags=...] [--load-nice 10] [--cpu-prof DIR] [--trace-gc]
 *
 * `--cpu-prof DIR` runs every controller with `--cpu-prof` into DIR (written when it stops). Each
 * stall over 200 ms the controller logs (`event loop stalled`) is reported with its time from the
 * ramp's end (`stalls_over_200_ms_logged`), beside the steady window's own start and end.
 * `--trace-gc` adds V8's `--trace-gc` to the controllers' flags and reports their collections
 * (`gc`: the longest pauses, the mark-compacts with their marking on the main thread) for the
 * steady window and the whole run.
 *
 * The controllers run with the V8 flags every launch of the controller uses
 * (`controller/v8_flags.ts`); `--v8-flags none` runs them without, to compare. The load processes
 * run under `nice -n 10` (`--load-nice`): they stand in for agents on other machines, and at
 * 10,000 agents their TLS would otherwise take most of the controller's share of the 2 cores.
 *
 * `--store etcd` starts a three-member etcd cluster on loopback and `--controllers` controllers on
 * it (one CA, one sealing key); the load processes are spread over the controllers (load process i
 * on controller i mod count, at least one per controller). The probe connector holds its stream on
 * the first controller; its allowlist is PUT through the last one (on two controllers the push
 * crosses the etcd watch), and heartbeat-to-registry is read through the first (GET of the probe
 * until the heartbeat's `active_sessions` shows).
 *
 * Bounded: gives up on enrollment after 300 s (N/20 s above 6,000), on the ramp after
 * `--ramp-timeout` seconds (default 120), stops every process it started when done or on error.
 * @module
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import * as grpc from "@grpc/grpc-js";
import { createCa } from "../shared/pki/ca.ts";
import { createCsr } from "../shared/pki/csr.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../shared/pki/keys.ts";
import { channelCredentials, channelOptions } from "../shared/grpc/credentials.ts";
import { SvidSource } from "../shared/grpc/svid_source.ts";
import {
  type AgentMessage,
  type ControllerMessage,
  ControlPlaneService,
} from "../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { EnrollmentService, type Svid } from "../shared/proto/gen/postern/v1/enrollment_pb.ts";
import type { LoadParams } from "./control_plane_load.ts";
import { makeDevDir } from "../shared/config/roots.ts";
import {
  type BenchController,
  cpuSeconds,
  type GcEvent,
  placeGcEvents,
  rssMiB,
  startBenchController,
} from "./_controller.ts";
import { etcdAvailable, type EtcdCluster, startEtcdCluster } from "../tests/support/etcd_cluster.ts";
import { connectorHeartbeat } from "../tests/support/messages.ts";
import { CONTROLLER_V8_FLAGS_ARG } from "../controller/v8_flags.ts";

const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "2000" },
    procs: { type: "string", default: "2" },
    rate: { type: "string", default: "200" },
    steady: { type: "string", default: "60" },
    heartbeat: { type: "string", default: "10" },
    "ramp-timeout": { type: "string", default: "120" },
    // Seconds to wait after the ramp before the steady window, so that the ramp's own work
    // (ONLINE events, first last_seen writes) is not measured as steady state.
    settle: { type: "string", default: "0" },
    store: { type: "string", default: "kv" },
    controllers: { type: "string", default: "1" },
    "v8-flags": { type: "string", default: CONTROLLER_V8_FLAGS_ARG },
    "load-nice": { type: "string", default: "10" },
    "cpu-prof": { type: "string" },
    "trace-gc": { type: "boolean", default: false },
  },
});
const CPU_PROF = a["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${a["cpu-prof"]}`] : [];
const V8_FLAGS_BASE = a["v8-flags"] === "none" ? "" : a["v8-flags"];
const V8_FLAGS = !a["trace-gc"]
  ? V8_FLAGS_BASE
  : V8_FLAGS_BASE
  ? `${V8_FLAGS_BASE},--trace-gc`
  : "--v8-flags=--trace-gc";
const LOAD_NICE = Number(a["load-nice"]);
if (!Number.isInteger(LOAD_NICE) || LOAD_NICE < 0 || LOAD_NICE > 19) {
  console.error(`invalid --load-nice "${a["load-nice"]}": use 0 to 19`);
  Deno.exit(2);
}
const STORE = a.store;
if (STORE !== "kv" && STORE !== "etcd") {
  console.error(`invalid --store "${STORE}": use kv or etcd`);
  Deno.exit(2);
}
const CONTROLLERS = Number(a.controllers);
if (!Number.isInteger(CONTROLLERS) || CONTROLLERS < 1 || CONTROLLERS > 4) {
  console.error(`invalid --controllers "${a.controllers}": use 1 to 4`);
  Deno.exit(2);
}
if (STORE === "kv" && CONTROLLERS > 1) {
  console.error(`invalid --controllers "${a.controllers}": controllers share state only on --store etcd`);
  Deno.exit(2);
}
if (STORE === "etcd" && !etcdAvailable()) Deno.exit(3);
const N = Math.min(10_000, Math.max(1, Number(a.n)));
const PROCS = Math.max(CONTROLLERS, Math.min(4, Math.max(1, Number(a.procs))));
const RATE = Number(a.rate);
const STEADY_S = Number(a.steady);
const HEARTBEAT_S = Number(a.heartbeat);
const RAMP_TIMEOUT_S = Number(a["ramp-timeout"]);
const SETTLE_S = Number(a.settle);
// About 100 enrollments a second on 2 idle cores; five times that long before giving up.
const ENROLL_TIMEOUT_S = Math.max(300, Math.ceil(N / 20));
const TD = "postern.internal";
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10 : null;
};
const summary = (xs: number[]) => ({ n: xs.length, p50: pct(xs, 0.5), p99: pct(xs, 0.99), max: pct(xs, 1) });

const { certPem: caPem, keyPem: caKeyPem } = await createCa({ commonName: "Bench CA" });
const children: Deno.ChildProcess[] = [];
const controllers: BenchController[] = [];
let etcd: EtcdCluster | undefined;
let sealDir: string | undefined;

/** Admin API call through controller `i` (default the first). */
const admin = (path: string, init: RequestInit = {}, i = 0) =>
  fetch(controllers[i]!.adminUrl + path, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
  });
async function timed(path: string, init?: RequestInit): Promise<number> {
  const t = performance.now();
  const res = await admin(path, init);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return performance.now() - t;
}

function kvQuery<T>(sql: string, ...args: number[]): T | null {
  if (STORE !== "kv") return null;
  try {
    const db = new DatabaseSync(`${controllers[0]!.dir}/state/controller.kv`, { readOnly: true });
    try {
      return db.prepare(sql).get(...args) as T;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
/** Deno KV's SQLite backend: the versionstamp counter (grows by a jittered step per commit). */
function kvVersion(): number | null {
  return kvQuery<{ version: number }>("SELECT version FROM data_version")?.version ?? null;
}
/**
 * Deno KV transactions since versionstamp `v0` that are still the latest write of some key (a lower
 * bound: a key written twice in the window counts once). The store's group commit puts concurrent
 * commits into one transaction, so this counts fsyncs rather than the callers' commits.
 */
function kvCommitsSince(v0: number | null): number | null {
  if (v0 === null) return null;
  return kvQuery<{ n: number }>("SELECT count(DISTINCT version) AS n FROM kv WHERE version > ?", v0)?.n ??
    null;
}
/** etcd's current revision (every write is one), through the JSON gateway of the first member. */
async function etcdRevision(): Promise<number | null> {
  if (!etcd) return null;
  for (const ep of etcd.endpoints) {
    try {
      const res = await fetch(`http://${ep}/v3/kv/range`, {
        method: "POST",
        body: JSON.stringify({ key: btoa("/postern-bench/none") }),
        signal: AbortSignal.timeout(2_000),
      });
      const body = await res.json() as { header?: { revision?: string } };
      if (body.header?.revision) return Number(body.header.revision);
    } catch { /* the next member */ }
  }
  return null;
}
/** The event-loop figures of controller `i`'s `/metrics` (`controller/event_loop_stalls.ts`). */
async function loopStalls(
  i: number,
): Promise<{ recent: number; start: number; over: Record<string, number> }> {
  const text = await (await admin("/metrics", {}, i)).text();
  const gauge = (w: string) =>
    Number(
      new RegExp(`^postern_event_loop_stall_max_seconds\\{window="${w}"\\} (\\S+)`, "m").exec(text)?.[1] ??
        NaN,
    );
  const over: Record<string, number> = {};
  for (const m of text.matchAll(/^postern_event_loop_stalls_total\{over="([^"]+)"\} (\S+)/gm)) {
    over[String(Math.round(Number(m[1]) * 1000))] = Number(m[2]);
  }
  return { recent: gauge("recent"), start: gauge("start"), over };
}
const ms = (s: number) => Math.round(s * 1000);
/** V8 heap (total, used) and `external` memory of every controller, MiB (`postern_process_memory_bytes`). */
async function heapMiB(): Promise<{ heap_total: number[]; heap_used: number[]; external: number[] }> {
  const texts = await Promise.all(
    controllers.map(async (_, i) => await (await admin("/metrics", {}, i)).text()),
  );
  const read = (t: string, kind: string) =>
    Math.round(
      Number(
        new RegExp(`^postern_process_memory_bytes\\{kind="${kind}"\\} (\\S+)`, "m").exec(t)?.[1] ?? NaN,
      ) / 2 ** 20,
    );
  return {
    heap_total: texts.map((t) => read(t, "heap_total")),
    heap_used: texts.map((t) => read(t, "heap_used")),
    external: texts.map((t) => read(t, "external")),
  };
}

/** Writes per second between two readings of the store (`null`: not measured). */
const perSecond = (a0: number | null, a1: number | null, s: number) =>
  a0 !== null && a1 !== null ? Math.round(((a1 - a0) / s) * 10) / 10 : null;

const out: Record<string, unknown> = {
  n: N,
  store: STORE,
  controllers: CONTROLLERS,
  load_processes: PROCS,
  heartbeat_interval_s: HEARTBEAT_S,
  cores: navigator.hardwareConcurrency,
  controller_v8_flags: V8_FLAGS || "none",
  load_nice: LOAD_NICE,
};
const pids = () => controllers.map((c) => c.process.pid);
try {
  const env: Record<string, string> = {
    HEARTBEAT_INTERVAL: `${HEARTBEAT_S}s`,
    OFFLINE_AFTER: `${HEARTBEAT_S * 3}s`,
    CONNECTOR_CERT_TTL: "1h",
  };
  if (STORE === "etcd") {
    etcd = await startEtcdCluster({ members: 3 });
    sealDir = await makeDevDir("bench", "postern-bench-seal-");
    const sealingKey = `${sealDir}/ca-key-encryption.key`;
    await Deno.writeTextFile(
      sealingKey,
      btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
      { mode: 0o600 },
    );
    env.CONTROLLER_STORE = etcd.storeUrl;
    env.CA_KEY_ENCRYPTION_KEY_FILE = sealingKey;
  }
  // One after the other: the first one writes the CA and the schema, the others find them.
  for (let i = 0; i < CONTROLLERS; i++) {
    controllers.push(
      await startBenchController(env, CPU_PROF, { certPem: caPem, keyPem: caKeyPem }, V8_FLAGS),
    );
  }
  out.controller_rss_mib_idle = pids().map(rssMiB);

  // The probe: one connector of our own on the first controller, for the push latency (config on
  // its stream after a PUT through the last controller) and heartbeat-to-registry.
  const probe = await openProbe();

  const reports: Array<Record<string, unknown>> = [];
  const per = Math.ceil(N / PROCS);
  for (let i = 0; i < PROCS; i++) {
    const ctl = controllers[i % CONTROLLERS]!;
    const params: LoadParams = {
      grpcAddr: ctl.grpcAddr,
      adminUrl: ctl.adminUrl,
      adminToken: ADMIN_TOKEN,
      caPem,
      trustDomain: TD,
      prefix: `b${i}-`,
      from: i * per,
      to: Math.min(N, (i + 1) * per),
      heartbeatMs: HEARTBEAT_S * 1000,
      rate: RATE / PROCS,
      enrollConcurrency: 16,
      // Without a bound, a ramp faster than the controller's handshakes (2 busy cores) piled up
      // handshakes past their 10 s timeout and retried them: 3,168 failed attempts for 2,000 streams.
      maxPending: 32,
      maxSeconds: ENROLL_TIMEOUT_S + RAMP_TIMEOUT_S + SETTLE_S + STEADY_S + 120,
    };
    const load = [deno, "run", "-A", `${root}bench/control_plane_load.ts`, JSON.stringify(params)];
    const argv = LOAD_NICE > 0 ? ["nice", "-n", String(LOAD_NICE), ...load] : load;
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      cwd: root,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    children.push(child);
    const slot = i;
    reports[slot] = { open: 0, failed: 0, ended: 0, heartbeats: 0 };
    void (async () => {
      let buf = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const m = JSON.parse(line);
            if (m.type === "progress" || m.type === "stopping") Object.assign(reports[slot]!, m);
            else if (m.type === "enrolled") reports[slot]!.enroll_ms = m.ms;
          } catch { /* not ours */ }
        }
      }
    })();
  }
  const sum = (k: string) => reports.reduce((s, r) => s + Number(r?.[k] ?? 0), 0);

  // Enrollment, then the ramp.
  const t0 = Date.now();
  const kv0 = kvVersion();
  const rev0 = await etcdRevision();
  while (reports.some((r) => r.enroll_ms === undefined)) {
    if (Date.now() - t0 > ENROLL_TIMEOUT_S * 1000) {
      throw new Error(`enrollment did not finish within ${ENROLL_TIMEOUT_S} s`);
    }
    await sleep(250);
  }
  const enrollS = (Date.now() - t0) / 1000;
  out.enroll = { seconds: enrollS, per_second: Math.round(N / enrollS) };
  const enrollCommits = kvCommitsSince(kv0);
  if (enrollCommits !== null) {
    out.enroll_kv_commits_per_enrollment_min = Math.round((enrollCommits / N) * 10) / 10;
  }
  const rev1 = await etcdRevision();
  if (rev0 !== null && rev1 !== null) {
    out.enroll_etcd_writes_per_enrollment = Math.round(((rev1 - rev0) / N) * 10) / 10;
  }

  const rampStart = Date.now();
  const peakRss = pids().map(() => 0);
  const samplePeak = () => pids().forEach((pid, i) => peakRss[i] = Math.max(peakRss[i]!, rssMiB(pid)));
  while (sum("open") < N && Date.now() - rampStart < RAMP_TIMEOUT_S * 1000) {
    await sleep(500);
    samplePeak();
  }
  out.streams_established = sum("open");
  // Attempts that did not come up; each was retried with backoff, as the agent loop does.
  out.stream_attempts_failed = sum("failed");
  const failures = reports.flatMap((r) => (r?.first_failures as string[] | undefined) ?? []);
  out.stream_failures_first = failures.slice(0, 5);
  out.ramp_seconds = (Date.now() - rampStart) / 1000;
  const rampEnd = Date.now();
  /** Seconds from the ramp's end to `t` (epoch ms), one decimal. */
  const afterRamp = (t: number) => Math.round((t - rampEnd) / 100) / 10;
  out.controller_rss_mib_after_ramp = pids().map(rssMiB);
  out.controller_heap_mib_after_ramp = await heapMiB();
  if (SETTLE_S > 0) {
    await sleep(SETTLE_S * 1000);
    out.settle_seconds = SETTLE_S;
  }

  // Steady state: heartbeats flow; measure the admin API and the push path under that load.
  const cpu0 = pids().map(cpuSeconds);
  const kvS0 = kvVersion();
  const revS0 = await etcdRevision();
  const hb0 = sum("heartbeats");
  const stalls0 = await Promise.all(controllers.map((_, i) => loopStalls(i)));
  const stallMax = controllers.map(() => 0);
  /** The largest V8 heap (total) of each controller seen during the window, MiB. */
  const heapPeak = controllers.map(() => 0);
  // The recent gauge covers the last 10-20 s: read it only once it covers nothing before the window.
  const sampleStalls = async () => {
    if (Date.now() - steadyStart < 20_000) return;
    (await Promise.all(controllers.map((_, i) => loopStalls(i)))).forEach((r, i) =>
      stallMax[i] = Math.max(stallMax[i]!, r.recent)
    );
  };
  const steadyStart = Date.now();
  const list: number[] = [];
  const one: number[] = [];
  const push: number[] = [];
  const seen: number[] = [];
  let round = 0;
  // Second half of the steady window: after the ramp's ONLINE events and first last_seen writes.
  let kvHalf: number | null | undefined;
  let revHalf: number | null = null;
  let halfStart = 0;
  while (Date.now() - steadyStart < STEADY_S * 1000) {
    if (kvHalf === undefined && Date.now() - steadyStart >= (STEADY_S * 1000) / 2) {
      kvHalf = kvVersion();
      revHalf = await etcdRevision();
      halfStart = Date.now();
    }
    const id = `b${round % PROCS}-${(round % PROCS) * per + (round * 7) % Math.max(1, per)}`;
    one.push(await timed(`/api/admin/connectors/${id}`));
    if (round % 5 === 0) list.push(await timed("/api/admin/connectors"));
    if (round % 10 === 0) {
      await sampleStalls();
      const h = await heapMiB();
      h.heap_total.forEach((v, i) => heapPeak[i] = Math.max(heapPeak[i]!, v));
    }
    push.push(await probe.pushLatency(round));
    seen.push(await probe.heartbeatToRegistry(round));
    samplePeak();
    round++;
    await sleep(500);
  }
  const steadyS = (Date.now() - steadyStart) / 1000;
  const steadyEnd = Date.now();
  await sampleStalls();
  const stalls1 = await Promise.all(controllers.map((_, i) => loopStalls(i)));
  // A longest stall since start that grew during the window is the window's longest; so is a
  // stall over 200 ms the controller logged in the window (the gauge misses its first 20 s).
  stalls1.forEach((r, i) => {
    if (r.start > stalls0[i]!.start) stallMax[i] = Math.max(stallMax[i]!, r.start);
    for (const x of controllers[i]!.stalls) {
      if (x.at >= steadyStart && x.at <= steadyEnd) stallMax[i] = Math.max(stallMax[i]!, x.ms / 1000);
    }
  });
  const steadyCommits = kvCommitsSince(kvS0);
  const halfCommits = kvCommitsSince(kvHalf ?? null);
  const revEnd = await etcdRevision();
  const halfS = (Date.now() - halfStart) / 1000;
  const cpu = pids().map((pid, i) => Math.round(((cpuSeconds(pid) - cpu0[i]!) / steadyS) * 100));
  // A quiet window: heartbeats only, no admin call and no PUT of the probe, so that the store's
  // writes are those of the agents alone (the steady window's include the probe's PUTs and events).
  const quietS = Math.max(2, Math.min(15, STEADY_S / 2));
  const kvQ0 = kvVersion();
  const revQ0 = await etcdRevision();
  const quietStart = Date.now();
  await sleep(quietS * 1000);
  const quietCommits = kvCommitsSince(kvQ0);
  const revQ1 = await etcdRevision();
  const quietTook = (Date.now() - quietStart) / 1000;
  out.steady = {
    seconds: steadyS,
    // The window, in seconds from the ramp's end (the settle before it included).
    window_s_after_ramp: [afterRamp(steadyStart), afterRamp(steadyEnd)],
    streams_open_at_end: sum("open"),
    streams_ended_during_run: sum("ended"),
    heartbeats_sent_per_second: Math.round((sum("heartbeats") - hb0) / steadyS),
    // The sum over the controllers; per controller in controller_cpu_percent_each.
    controller_cpu_percent: cpu.reduce((s, x) => s + x, 0),
    controller_cpu_percent_each: cpu,
    ...(STORE === "kv"
      ? {
        kv_commits_per_second_min: steadyCommits !== null
          ? Math.round((steadyCommits / steadyS) * 10) / 10
          : "unavailable",
        kv_commits_per_second_min_second_half: halfCommits !== null
          ? Math.round((halfCommits / halfS) * 10) / 10
          : "unavailable",
        kv_commits_per_second_min_heartbeats_only: quietCommits !== null
          ? Math.round((quietCommits / quietTook) * 10) / 10
          : "unavailable",
      }
      : {
        // Revision delta over the window: every etcd write (put, delete, txn with writes) is one.
        etcd_writes_per_second: perSecond(revS0, revEnd, steadyS) ?? "unavailable",
        etcd_writes_per_second_second_half: perSecond(revHalf, revEnd, halfS) ?? "unavailable",
        etcd_writes_per_second_heartbeats_only: perSecond(revQ0, revQ1, quietTook) ?? "unavailable",
      }),
    heartbeats_only_seconds: quietTook,
    admin_get_connector_ms: summary(one),
    admin_list_connectors_ms: summary(list),
    allowlist_put_to_stream_ms: summary(push),
    heartbeat_to_registry_ms: summary(seen),
    // The longest time the controller's event loop was blocked during the window (its own timer,
    // controller/event_loop_stalls.ts): the longest since start when that grew during the window,
    // else the recent gauge read from 20 s into the window on, or the longest stall over 200 ms the
    // controller logged in the window (one of 50-200 ms in its first 20 s that did not set a new
    // longest shows only in the counts below).
    event_loop_stall_max_ms: stallMax.map(ms),
    // Whether the heap stays bounded: its largest size during the window, read every 10 rounds.
    heap_total_mib_max: heapPeak,
    // Stalls longer than each threshold (ms) during the window, per controller.
    event_loop_stalls_over_ms: stalls1.map((r, i) =>
      Object.fromEntries(Object.entries(r.over).map(([k, v]) => [k, v - (stalls0[i]!.over[k] ?? 0)]))
    ),
  };
  // Since each controller started: the ramp's handshakes and enrollments included.
  out.event_loop_stall_max_ms_whole_run = stalls1.map((r) => ms(r.start));
  out.event_loop_stalls_over_200_ms_whole_run = stalls1.map((r) => r.over["200"] ?? NaN);
  // Each stall over 200 ms the controller logged (at most one a second), seconds from the ramp's
  // end (negative: during enrollment or the ramp) and its length: where it falls beside the window.
  out.stalls_over_200_ms_logged = controllers.map((c) =>
    c.stalls.map((x) => ({ s_after_ramp: afterRamp(x.at), ms: x.ms }))
  );
  if (a["trace-gc"]) {
    out.gc = controllers.map((c) => {
      const placed = placeGcEvents(c.gc);
      return {
        steady: gcSummary(placed.filter((e) => e.at >= steadyStart && e.at <= steadyEnd), afterRamp),
        whole_run: gcSummary(placed, afterRamp),
      };
    });
  }
  out.controller_rss_mib_peak = peakRss;
  out.controller_rss_mib_end = pids().map(rssMiB);
  out.controller_heap_mib_end = await heapMiB();
  out.metrics_control_streams = [];
  for (let i = 0; i < CONTROLLERS; i++) {
    const metrics = await (await admin("/metrics", {}, i)).text();
    (out.metrics_control_streams as number[]).push(
      Number(/^postern_control_streams(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? NaN),
    );
  }
  const online = await (await admin("/api/admin/connectors")).json() as Array<{ status: string }>;
  out.connectors_online = online.filter((c) => c.status === "ONLINE").length;
  probe.close();
} catch (e) {
  out.error = (e as Error).message;
} finally {
  for (const c of children) {
    await c.stdin.close().catch(() => {});
  }
  await sleep(500);
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
  }
  await Promise.all(controllers.map((c) => c.stop()));
  await etcd?.close();
  if (sealDir) await Deno.remove(sealDir, { recursive: true }).catch(() => {});
  console.log(JSON.stringify(out, null, 2));
  Deno.exit(out.error ? 1 : 0);
}

/**
 * The collections of the controller's own isolate (the one with the largest heap; its ECDSA
 * worker's are left out): how many, the longest pause, and each mark-compact whose marking or
 * pause took 100 ms or more, placed in seconds from the ramp's end.
 */
function gcSummary(events: GcEvent[], afterRamp: (t: number) => number) {
  const largest = new Map<string, number>();
  for (const e of events) largest.set(e.isolate, Math.max(largest.get(e.isolate) ?? 0, e.beforeMb));
  const main = [...largest].sort((x, y) => y[1] - x[1])[0]?.[0];
  const own = events.filter((e) => e.isolate === main);
  const marks = own.filter((e) => e.kind.includes("Mark-Compact"));
  const scavenges = own.filter((e) => e.kind === "Scavenge");
  return {
    scavenges: scavenges.length,
    longest_scavenge_ms: Math.max(0, ...scavenges.map((e) => e.pauseMs)),
    mark_compacts: marks.length,
    longest_mark_compact_pause_ms: Math.max(0, ...marks.map((e) => e.pauseMs)),
    longest_marking_steps_ms: Math.max(0, ...marks.map((e) => e.stepsMs)),
    longest_pause_ms: Math.max(0, ...own.map((e) => e.pauseMs)),
    long_mark_compacts: marks.filter((e) => e.pauseMs + e.stepsMs >= 100).map((e) => ({
      s_after_ramp: afterRamp(e.at),
      heap_mb: [e.beforeMb, e.afterMb],
      pause_ms: e.pauseMs,
      marking_steps_ms: e.stepsMs,
      walltime_ms: e.walltimeMs,
    })).slice(-12),
  };
}

/** A connector stream held by this process: measures PUT allowlist -> config on the stream. */
async function openProbe() {
  const tok = await (await admin("/api/admin/tokens", {
    method: "POST",
    body: JSON.stringify({ role: "connector" }),
  })).json();
  const keys = await generateKeyPair();
  const csrPem = await createCsr(keys);
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  const E = grpc.makeGenericClientConstructor(EnrollmentService, "Enrollment");
  const ec = new E(
    controllers[0]!.grpcAddr,
    channelCredentials(new SvidSource(caPem), { trustDomain: TD }),
    channelOptions(),
  );
  const svid = await new Promise<Svid>((resolve, reject) =>
    (ec as unknown as {
      enroll(r: unknown, o: grpc.CallOptions, cb: (e: Error | null, r?: { svid: Svid }) => void): void;
    }).enroll(
      {
        token: tok.token,
        id: "probe",
        role: "connector",
        csrPem,
        privateIp: "10.255.255.254",
        version: "bench",
      },
      { deadline: Date.now() + 10_000 },
      (e, r) => e ? reject(e) : resolve(r!.svid),
    )
  );
  ec.close();
  const C = grpc.makeGenericClientConstructor(ControlPlaneService, "ControlPlane");
  const client = new C(
    controllers[0]!.grpcAddr,
    channelCredentials(new SvidSource(caPem, { certPem: svid.certificatePem, keyPem }), { trustDomain: TD }),
    channelOptions(),
  );
  const call = (client as unknown as { connect(): grpc.ClientDuplexStream<AgentMessage, ControllerMessage> })
    .connect();
  let waiter: ((m: ControllerMessage) => void) | undefined;
  const first = new Promise<void>((resolve) => {
    call.on("data", (m: ControllerMessage) => {
      resolve();
      waiter?.(m);
    });
  });
  call.on("error", () => {});
  await first;
  return {
    async pushLatency(round: number): Promise<number> {
      const want = `t-${round}`;
      const got = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("allowlist change not pushed within 5 s")), 5000);
        waiter = (m) => {
          if (m.body?.$case === "config" && m.body.value.allowedTunnelers.includes(want)) {
            clearTimeout(timer);
            resolve(performance.now());
          }
        };
      });
      // Observed at once: a PUT slower than the timeout must fail this round, not the process.
      got.catch(() => {});
      const t = performance.now();
      const res = await admin("/api/admin/connectors/probe/allowlist", {
        method: "PUT",
        body: JSON.stringify({ tunnelers: [want] }),
      }, controllers.length - 1);
      await res.arrayBuffer();
      return (await got) - t;
    },
    /**
     * A heartbeat whose `activeSessions` is new, then GET of the probe through its controller
     * until the registry reports that count: ms from the write to the first answer showing it.
     */
    async heartbeatToRegistry(round: number): Promise<number> {
      const sessions = round + 1;
      const hb = connectorHeartbeat("bench", "10.255.255.254");
      hb.body.value.activeSessions = sessions;
      const t = performance.now();
      call.write(hb);
      const deadline = t + 5_000;
      while (performance.now() < deadline) {
        const res = await admin("/api/admin/connectors/probe");
        const body = await res.json() as { active_sessions?: number | null };
        if (body.active_sessions === sessions) return performance.now() - t;
        await sleep(5);
      }
      throw new Error(`heartbeat (active_sessions ${sessions}) not in the registry within 5 s`);
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}
