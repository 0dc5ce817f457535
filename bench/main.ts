/**
 * `deno task bench`: every benchmark in one run, one after the other (never two at once: they
 * share the cores), each beside its peer measured in the same run, printed as one table and
 * written into `bench/RESULTS.md` (the block between the `bench:latest` markers; the analysis
 * below it stays).
 *
 *   deno task bench [--quick | --smoke] [--only enrollment,data,control,ha,status] [--out FILE]
 *     [--enroll-n 600] [--mib 1024] [--conns 300] [--par-mib 256] [--cp-n 10000] [--cp-steady 30]
 *     [--ha-n 1000] [--status-rounds 3] [--chromium /usr/bin/chromium] [--cpu-prof DIR]
 *
 * `--cpu-prof DIR` profiles the control part's controller (`--cpu-prof` into DIR).
 *
 * Sizes: default about 7 minutes on 2 quiet cores (404 s on 2026-12-01: the control part at its 10,000
 * agents on one controller about 4 of them, four load processes, the
 * ramp timeout scaled with N; on cores shared with other work its enrollment alone can take 260 s,
 * so `--cp-n 2000` keeps such a run short); `--quick` about a minute and a half; `--smoke` (what the
 * test suite runs, into a temporary file) seconds per part. The parts:
 * - enrollment: `bench/enrollment.ts` (end to end beside issuing alone, WebCrypto signing and
 *   `openssl speed ecdsap256`);
 * - data: `bench/stunnel-peer.sh` and `bench/postern-tunnel.ts` with the same load generator;
 * - control: `bench/control_plane.ts` (streams, RSS, admin API latency under heartbeats);
 * - ha: `bench/control_plane.ts --store etcd --controllers 2` (`--ha-n` agents spread over two
 *   controllers on a three-member etcd cluster) beside `--store kv` (one controller on Deno KV, the
 *   same agents), both in this run; skipped with the reason when etcd is not installed;
 * - status: `bench/status_latency.ts` (stop, crash and return of a connector to its status in the API,
 *   and on the connectors page open in Chromium at `--chromium`; those rows are skipped with the
 *   reason when it is not installed).
 * @module
 */
import { parseArgs } from "node:util";
import { type EnrollmentFigures, runEnrollmentBench } from "./enrollment.ts";
import { runStatusLatency } from "./status_latency.ts";
import { ETCD_BINARY, etcdAvailable } from "../tests/support/etcd_cluster.ts";
import { CHROMIUM } from "../tests/support/chromium.ts";
import type { ThreadLoad } from "./_threads.ts";

const { values: a } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
    "enroll-n": { type: "string" },
    mib: { type: "string" },
    conns: { type: "string" },
    "par-mib": { type: "string" },
    "cp-n": { type: "string" },
    "cp-steady": { type: "string" },
    "ha-n": { type: "string" },
    "status-rounds": { type: "string" },
    chromium: { type: "string", default: CHROMIUM },
    "cpu-prof": { type: "string" },
  },
});

const SIZES = {
  default: {
    enrollN: 600,
    mib: 1024,
    conns: 300,
    parMib: 256,
    cpN: 10000,
    cpSteady: 30,
    haN: 1000,
    statusRounds: 3,
  },
  quick: {
    enrollN: 300,
    mib: 256,
    conns: 100,
    parMib: 64,
    cpN: 500,
    cpSteady: 10,
    haN: 300,
    statusRounds: 2,
  },
  smoke: { enrollN: 16, mib: 4, conns: 10, parMib: 1, cpN: 10, cpSteady: 2, haN: 10, statusRounds: 1 },
};
const base = a.smoke ? SIZES.smoke : a.quick ? SIZES.quick : SIZES.default;
const num = (v: string | undefined, d: number) => (v === undefined ? d : Math.max(1, Number(v)));
const size = {
  enrollN: num(a["enroll-n"], base.enrollN),
  mib: num(a.mib, base.mib),
  conns: num(a.conns, base.conns),
  parMib: num(a["par-mib"], base.parMib),
  cpN: num(a["cp-n"], base.cpN),
  cpSteady: num(a["cp-steady"], base.cpSteady),
  haN: num(a["ha-n"], base.haN),
  statusRounds: num(a["status-rounds"], base.statusRounds),
};
const PARTS = ["enrollment", "data", "control", "ha", "status"] as const;
type Part = typeof PARTS[number];
const only = (a.only ?? PARTS.join(",")).split(",").map((s) => s.trim());
for (const p of only) {
  if (!(PARTS as readonly string[]).includes(p)) {
    console.error(`invalid --only "${p}": use enrollment, data, control, ha or status (comma-separated)`);
    Deno.exit(2);
  }
}
const here = new URL(".", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;
const outFile = a.out ?? `${here}RESULTS.md`;

/** One row of the table. */
interface Row {
  area: string;
  figure: string;
  postern: string;
  peer: string;
  peerValue: string;
  ratio: string;
}

const fmt = (v: unknown): string =>
  Array.isArray(v)
    ? (v.length ? v.map(fmt).join(" + ") : "-")
    : (v === undefined || v === null || Number.isNaN(v) ? "-" : String(v));
const ratio = (x: unknown, y: unknown) =>
  typeof x === "number" && typeof y === "number" && y > 0
    ? (x / y < 0.1 ? (x / y).toPrecision(2) : (x / y).toFixed(2))
    : "-";

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: root, env, stdout: "piped", stderr: "inherit" })
    .output();
  return new TextDecoder().decode(out.stdout).trim();
}

function lastJson(text: string): Record<string, unknown> {
  // The scripts print one JSON object (possibly over several lines) last.
  const start = text.lastIndexOf("\n{");
  const body = start >= 0 ? text.slice(start + 1) : text;
  try {
    return JSON.parse(body);
  } catch {
    try {
      return JSON.parse(text.slice(text.indexOf("{")));
    } catch {
      return { error: text.slice(-300) || "no output" };
    }
  }
}

async function enrollment(rows: Row[], raw: Record<string, unknown>) {
  const e: EnrollmentFigures = await runEnrollmentBench({
    n: size.enrollN,
    concurrency: 16,
    ...(a.smoke ? { sign: 20, opensslSeconds: 1 } : {}),
  });
  raw.enrollment = e;
  const area = "enrollment";
  rows.push(
    {
      area,
      figure: `enrollments/s end to end, concurrency ${e.concurrency} (${e.enrolled} ok, ${e.failed} failed)`,
      postern: fmt(e.per_second),
      peer: "issueSvid() alone, one thread",
      peerValue: fmt(e.issue_alone_per_second),
      ratio: ratio(e.per_second, e.issue_alone_per_second),
    },
    {
      area,
      figure: "",
      postern: "",
      peer: "WebCrypto ECDSA P-256 sign alone",
      peerValue: fmt(e.webcrypto_sign_per_second),
      ratio: ratio(e.per_second, e.webcrypto_sign_per_second),
    },
    {
      area,
      figure: "",
      postern: "",
      peer: "`openssl speed ecdsap256` sign / verify",
      peerValue: `${fmt(e.openssl_sign_per_second)} / ${fmt(e.openssl_verify_per_second)}`,
      ratio: ratio(e.per_second, e.openssl_sign_per_second),
    },
    {
      area,
      figure: "latency p50 / p99 ms",
      postern: `${fmt(e.latency_ms.p50)} / ${fmt(e.latency_ms.p99)}`,
      peer: "",
      peerValue: "",
      ratio: "",
    },
    {
      area,
      figure: "controller CPU ms per enrollment: all threads / event loop",
      postern: `${fmt(e.controller_cpu_ms_per_enrollment)} / ${
        fmt(e.controller_main_thread_ms_per_enrollment)
      }`,
      peer: "",
      peerValue: "",
      ratio: "",
    },
    {
      area,
      figure: `load client (${
        e.client === "c-core" ? "gRPC C core" : "grpc-js"
      }) CPU ms per enrollment, same cores`,
      postern: fmt(e.client_cpu_ms_per_enrollment),
      peer: "",
      peerValue: "",
      ratio: "",
    },
  );
}

async function dataPlane(rows: Row[], raw: Record<string, unknown>) {
  const stunnel = lastJson(
    await run("bash", [`${here}stunnel-peer.sh`, String(size.mib), String(size.conns), String(size.parMib)]),
  );
  const postern = lastJson(
    await run(Deno.execPath(), [
      "run",
      "-A",
      `${here}postern-tunnel.ts`,
      String(size.mib),
      String(size.conns),
      String(size.parMib),
    ]),
  );
  raw.data = { stunnel, postern };
  type Bulk = { MBps?: number; complete?: boolean };
  type Rate = { conns_per_s?: number; p50_ms?: number; p99_ms?: number; failed?: number };
  const sb = (stunnel.bulk ?? {}) as Bulk, pb = (postern.bulk ?? {}) as Bulk;
  const sr = (stunnel.connrate ?? {}) as Rate, pr = (postern.connrate ?? {}) as Rate;
  type Par = { MBps?: number; complete?: boolean; slowest_MBps?: number };
  const s8 = (stunnel.bulk8 ?? {}) as Par, p8 = (postern.bulk8 ?? {}) as Par;
  const area = "data plane";
  rows.push(
    {
      area,
      figure: `one bulk tunnel, ${size.mib} MiB, MB/s`,
      postern: fmt(pb.MBps ?? postern.error),
      peer: "stunnel (mutual TLS, P-256)",
      peerValue: fmt(sb.MBps ?? stunnel.error),
      ratio: ratio(pb.MBps, sb.MBps),
    },
    {
      area,
      figure: `8 bulk tunnels at once, ${size.parMib} MiB each: aggregate MB/s (slowest one)`,
      postern: `${fmt(p8.MBps)} (${fmt(p8.slowest_MBps)})${p8.complete === false ? " incomplete" : ""}`,
      peer: "stunnel, 8 connections",
      peerValue: `${fmt(s8.MBps)} (${fmt(s8.slowest_MBps)})${s8.complete === false ? " incomplete" : ""}`,
      ratio: ratio(p8.MBps, s8.MBps),
    },
    {
      area,
      figure: "meanwhile: connector / tunneler event loop, % of a core; machine idle %",
      postern: busiest(postern.bulk8_load as ThreadLoad | null | undefined),
      peer: "",
      peerValue: "",
      ratio: "",
    },
    {
      area,
      figure: `new tunneled connections/s (${size.conns}, 8 at a time)`,
      postern: fmt(pr.conns_per_s),
      peer: "stunnel",
      peerValue: fmt(sr.conns_per_s),
      ratio: ratio(pr.conns_per_s, sr.conns_per_s),
    },
    {
      area,
      figure: "connect to first reply byte p50 / p99 ms (failed)",
      postern: `${fmt(pr.p50_ms)} / ${fmt(pr.p99_ms)} (${fmt(pr.failed)})`,
      peer: "stunnel",
      peerValue: `${fmt(sr.p50_ms)} / ${fmt(sr.p99_ms)} (${fmt(sr.failed)})`,
      ratio: ratio(pr.p99_ms, sr.p99_ms),
    },
  );
}

/** "52 / 41; 0": each agent's main thread (the one named after the program), then the machine's idle share. */
function busiest(load: ThreadLoad | null | undefined): string {
  if (!load) return "";
  const main = (name: string) =>
    Object.entries(load.threads).find(([k]) => k.startsWith(`${name}/`) && k.endsWith(" deno"))?.[1] ?? 0;
  return `${main("connector")} / ${main("tunneler")}; ${load.machine_idle_percent}`;
}

async function controlPlane(rows: Row[], raw: Record<string, unknown>) {
  const procs = size.cpN >= 5000 ? 4 : size.cpN >= 1000 ? 2 : 1;
  const out = lastJson(
    await run(Deno.execPath(), [
      "run",
      "-A",
      `${here}control_plane.ts`,
      "--n",
      String(size.cpN),
      "--procs",
      String(procs),
      // A 2-core controller takes about 85 new streams a second: 10,000 need about two minutes.
      "--ramp-timeout",
      String(Math.max(120, Math.ceil(size.cpN / 40))),
      "--steady",
      String(size.cpSteady),
      "--heartbeat",
      a.smoke ? "1" : "10",
      ...(a["cpu-prof"] ? ["--cpu-prof", a["cpu-prof"]] : []),
      // V8 reports each collection: a stall can be told from a GC pause or the marking before one.
      "--trace-gc",
    ]),
  );
  raw.control = out;
  type Lat = { p50?: number; p99?: number; max?: number };
  const steady = (out.steady ?? {}) as {
    admin_get_connector_ms?: Lat;
    admin_list_connectors_ms?: Lat;
    allowlist_put_to_stream_ms?: Lat;
    heartbeat_to_registry_ms?: Lat;
    controller_cpu_percent?: number;
    heartbeats_sent_per_second?: number;
    window_s_after_ramp?: number[];
    event_loop_stall_max_ms?: number[];
    event_loop_stalls_over_ms?: Array<Record<string, number>>;
    heap_total_mib_max?: number[];
  };
  const lat = (l: Lat | undefined) => `${fmt(l?.p50)} / ${fmt(l?.p99)} / ${fmt(l?.max)}`;
  const area = `control plane, ${size.cpN} agents`;
  const enroll = out.enroll as { per_second?: number } | undefined;
  rows.push(
    {
      area,
      figure: "streams established / failed attempts",
      postern: `${fmt(out.streams_established)} / ${fmt(out.stream_attempts_failed)}`,
      peer: "target",
      peerValue: String(size.cpN),
      ratio: ratio(out.streams_established, size.cpN),
    },
    {
      area,
      figure: "controller RSS after ramp / peak, MiB",
      postern: `${fmt(out.controller_rss_mib_after_ramp)} / ${fmt(out.controller_rss_mib_peak)}`,
      peer: "target at 10,000",
      peerValue: "< 1024",
      ratio: "",
    },
    {
      area,
      figure: "GET one connector p50 / p99 / max ms",
      postern: lat(steady.admin_get_connector_ms),
      peer: "target p99",
      peerValue: "< 100",
      ratio: "",
    },
    {
      area,
      figure: "GET all connectors p50 / p99 / max ms",
      postern: lat(steady.admin_list_connectors_ms),
      peer: "target",
      peerValue: "< 100",
      ratio: "",
    },
    {
      area,
      figure: "allowlist PUT reaches the stream p50 / p99 / max ms",
      postern: lat(steady.allowlist_put_to_stream_ms),
      peer: "",
      peerValue: "",
      ratio: "",
    },
    {
      area,
      figure: "heartbeat to registry (GET shows it) p50 / p99 / max ms",
      postern: lat(steady.heartbeat_to_registry_ms),
      peer: "target p99",
      peerValue: "< 100",
      ratio: "",
    },
    {
      area,
      figure: `steady window (${
        steady.window_s_after_ramp?.map((s) => Math.round(s)).join("-") ?? "-"
      } s after the ramp): longest event-loop stall ms (stalls over 200 ms); largest V8 heap MiB`,
      postern: `${fmt(steady.event_loop_stall_max_ms)} (${
        fmt(steady.event_loop_stalls_over_ms?.map((o) => o["200"]))
      }); ${fmt(steady.heap_total_mib_max)}`,
      peer: "target stall",
      peerValue: "< 200",
      ratio: "",
    },
    {
      area,
      figure: "whole run (enrollment and ramp included): longest event-loop stall ms (stalls over 200 ms)",
      postern: `${fmt(out.event_loop_stall_max_ms_whole_run)} (${
        fmt(out.event_loop_stalls_over_200_ms_whole_run)
      })`,
      peer: "target stall",
      peerValue: "< 200",
      ratio: "",
    },
    {
      area,
      figure:
        "steady window: mark-compacts (longest pause ms; longest main-thread marking ms); longest scavenge ms",
      postern: gcRow(out.gc),
      peer: "",
      peerValue: "",
      ratio: "",
    },
    {
      area,
      figure: "stalls over 200 ms as logged: s from the ramp's end (ms), first 8",
      postern: stallTimes(out.stalls_over_200_ms_logged),
      peer: "",
      peerValue: "",
      ratio: "",
    },
    {
      area,
      figure: "steady: heartbeats/s, controller CPU %; enrollments/s of the ramp",
      postern: `${fmt(steady.heartbeats_sent_per_second)}, ${fmt(steady.controller_cpu_percent)} %; ${
        fmt(enroll?.per_second)
      }`,
      peer: "",
      peerValue: "",
      ratio: "",
    },
  );
}

/** "-41.2 (405), 3.1 (250)": each logged stall of the first controller, "none" when none was. */
export function stallTimes(logged: unknown): string {
  const first = (Array.isArray(logged) ? logged[0] : undefined) as
    | Array<{ s_after_ramp: number; ms: number }>
    | undefined;
  if (!first) return "-";
  if (first.length === 0) return "none";
  const shown = first.slice(0, 8).map((x) => `${x.s_after_ramp} (${x.ms})`).join(", ");
  return first.length > 8 ? `${shown}, ${first.length - 8} more` : shown;
}

/** "2 (71; 477); 19": the steady window's collections of the first controller (`--trace-gc`). */
function gcRow(gc: unknown): string {
  const s = (Array.isArray(gc) ? gc[0]?.steady : undefined) as Record<string, number> | undefined;
  if (!s) return "-";
  const r = (k: string) => fmt(Math.round(s[k] ?? NaN));
  return `${r("mark_compacts")} (${r("longest_mark_compact_pause_ms")}; ${r("longest_marking_steps_ms")}); ${
    r("longest_scavenge_ms")
  }`;
}

/** One run of `bench/control_plane.ts` at the HA size. */
async function controlPlaneRun(extra: string[]): Promise<Record<string, unknown>> {
  return lastJson(
    await run(Deno.execPath(), [
      "run",
      "-A",
      `${here}control_plane.ts`,
      "--n",
      String(size.haN),
      "--procs",
      String(size.haN >= 1000 ? 2 : 1),
      "--steady",
      String(size.cpSteady),
      "--heartbeat",
      a.smoke ? "1" : "10",
      ...extra,
    ]),
  );
}

async function highAvailability(rows: Row[], raw: Record<string, unknown>) {
  const area = `HA, ${size.haN} agents`;
  if (!etcdAvailable()) {
    const why =
      `skipped: etcd not found at "${ETCD_BINARY}" (install it with apt-get install etcd-server, or set POSTERN_TEST_ETCD)`;
    raw.ha = { skipped: why };
    rows.push({ area, figure: why, postern: "", peer: "", peerValue: "", ratio: "" });
    return;
  }
  // One after the other, never at once: they share the cores.
  const ha = await controlPlaneRun(["--store", "etcd", "--controllers", "2"]);
  const kv = await controlPlaneRun(["--store", "kv"]);
  raw.ha = { etcd_2_controllers: ha, kv_1_controller: kv };
  for (const [name, o] of [["etcd", ha], ["kv", kv]] as const) {
    if (o.error) throw new Error(`control_plane.ts --store ${name}: ${o.error}`);
  }
  type Lat = { p50?: number; p99?: number; max?: number };
  type Steady = {
    heartbeat_to_registry_ms?: Lat;
    allowlist_put_to_stream_ms?: Lat;
    admin_get_connector_ms?: Lat;
    controller_cpu_percent_each?: number[];
    etcd_writes_per_second?: number;
    etcd_writes_per_second_second_half?: number;
    kv_commits_per_second_min?: number;
    kv_commits_per_second_min_second_half?: number;
    etcd_writes_per_second_heartbeats_only?: number;
    kv_commits_per_second_min_heartbeats_only?: number;
  };
  const hs = (ha.steady ?? {}) as Steady, ks = (kv.steady ?? {}) as Steady;
  const lat = (l: Lat | undefined) => `${fmt(l?.p50)} / ${fmt(l?.p99)}`;
  const peer = "1 controller on Deno KV";
  rows.push(
    {
      area,
      figure: "2 controllers on 3 etcd members: streams established / failed attempts",
      postern: `${fmt(ha.streams_established)} / ${fmt(ha.stream_attempts_failed)}`,
      peer,
      peerValue: `${fmt(kv.streams_established)} / ${fmt(kv.stream_attempts_failed)}`,
      ratio: ratio(ha.streams_established, kv.streams_established),
    },
    {
      area,
      figure: "RSS per controller after ramp, MiB (peak)",
      postern: `${fmt(ha.controller_rss_mib_after_ramp)} (${fmt(ha.controller_rss_mib_peak)})`,
      peer,
      peerValue: `${fmt(kv.controller_rss_mib_after_ramp)} (${fmt(kv.controller_rss_mib_peak)})`,
      ratio: "",
    },
    {
      area,
      figure: "heartbeat to registry (GET shows it) p50 / p99 ms",
      postern: lat(hs.heartbeat_to_registry_ms),
      peer,
      peerValue: lat(ks.heartbeat_to_registry_ms),
      ratio: ratio(hs.heartbeat_to_registry_ms?.p99, ks.heartbeat_to_registry_ms?.p99),
    },
    {
      area,
      figure: "allowlist PUT (through the other controller) reaches the stream p50 / p99 ms",
      postern: lat(hs.allowlist_put_to_stream_ms),
      peer,
      peerValue: lat(ks.allowlist_put_to_stream_ms),
      ratio: ratio(hs.allowlist_put_to_stream_ms?.p99, ks.allowlist_put_to_stream_ms?.p99),
    },
    {
      area,
      figure: "GET one connector p50 / p99 ms",
      postern: lat(hs.admin_get_connector_ms),
      peer,
      peerValue: lat(ks.admin_get_connector_ms),
      ratio: ratio(hs.admin_get_connector_ms?.p99, ks.admin_get_connector_ms?.p99),
    },
    {
      area,
      figure:
        "store writes/s with the probe's PUTs: etcd revisions (second half) beside KV transactions, at least",
      postern: `${fmt(hs.etcd_writes_per_second)} (${fmt(hs.etcd_writes_per_second_second_half)})`,
      peer,
      peerValue: `${fmt(ks.kv_commits_per_second_min)} (${fmt(ks.kv_commits_per_second_min_second_half)})`,
      ratio: ratio(hs.etcd_writes_per_second, ks.kv_commits_per_second_min),
    },
    {
      area,
      figure:
        "store writes/s, heartbeats only (no admin call): etcd revisions beside KV transactions, at least",
      postern: fmt(hs.etcd_writes_per_second_heartbeats_only),
      peer,
      peerValue: fmt(ks.kv_commits_per_second_min_heartbeats_only),
      ratio: ratio(hs.etcd_writes_per_second_heartbeats_only, ks.kv_commits_per_second_min_heartbeats_only),
    },
    {
      area,
      figure: "steady CPU % per controller",
      postern: fmt(hs.controller_cpu_percent_each),
      peer,
      peerValue: fmt(ks.controller_cpu_percent_each),
      ratio: "",
    },
  );
}

async function status(rows: Row[], raw: Record<string, unknown>) {
  const f = await runStatusLatency({
    rounds: size.statusRounds,
    heartbeatS: 1,
    offlineAfterS: 3,
    chromium: a.chromium,
  });
  raw.status = f;
  const area = `status, HEARTBEAT_INTERVAL ${f.heartbeat_interval_s}s, OFFLINE_AFTER ${f.offline_after_s}s`;
  const list = (xs: number[]) => xs.join(", ");
  rows.push(
    {
      area,
      figure: "graceful stop (SIGTERM) to OFFLINE in the API, ms, each round",
      postern: list(f.graceful_stop_to_offline_ms),
      peer: "target",
      peerValue: "< 1000",
      ratio: "",
    },
    {
      area,
      figure: "crash (SIGKILL) to OFFLINE in the API, ms, each round",
      postern: list(f.crash_to_offline_ms),
      peer: "target: OFFLINE_AFTER + one interval",
      peerValue: `≤ ${(f.offline_after_s + f.heartbeat_interval_s) * 1000}`,
      ratio: "",
    },
    {
      area,
      figure: "process start (stored identity) to ONLINE, ms, each start",
      postern: list(f.start_to_online_ms),
      peer: "",
      peerValue: "",
      ratio: "",
    },
  );
  if (f.page_skipped !== undefined) {
    const why = `on the connectors page in Chromium: skipped: ${f.page_skipped}`;
    rows.push({ area, figure: why, postern: "", peer: "", peerValue: "", ratio: "" });
    return;
  }
  rows.push(
    {
      area,
      figure: "graceful stop (SIGTERM) to OFFLINE on the connectors page in Chromium, ms, each round",
      postern: list(f.page_graceful_stop_to_offline_ms),
      peer: "target",
      peerValue: "< 1000",
      ratio: "",
    },
    {
      area,
      figure: "crash (SIGKILL) to OFFLINE on the connectors page in Chromium, ms, each round",
      postern: list(f.page_crash_to_offline_ms),
      peer: "target: OFFLINE_AFTER + one interval",
      peerValue: `≤ ${(f.offline_after_s + f.heartbeat_interval_s) * 1000}`,
      ratio: "",
    },
    {
      area,
      figure: "process start to ONLINE on the connectors page in Chromium, ms, each start",
      postern: list(f.page_start_to_online_ms),
      peer: "",
      peerValue: "",
      ratio: "",
    },
  );
}

/** The columns of figures, right-aligned. */
const RIGHT = new Set([2, 4, 5]);

/** The rows as a Markdown table, columns padded. */
export function table(rows: Row[]): string {
  const head = ["area", "figure", "Postern", "peer (same run)", "peer", "Postern ÷ peer"];
  const body = rows.map((r) => [r.area, r.figure, r.postern, r.peer, r.peerValue, r.ratio]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, i) => (RIGHT.has(i) ? "-".repeat(w - 1) + ":" : "-".repeat(w))).join(" | ")
  } |`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

const START = "<!-- bench:latest:start (written by `deno task bench`) -->";
const END = "<!-- bench:latest:end -->";

/** `text` with the block between the markers replaced by `block` (inserted after the title when missing). */
export function replaceLatest(text: string, block: string): string {
  const wrapped = `${START}\n${block.trim()}\n${END}`;
  const s = text.indexOf(START.slice(0, 24));
  const e = text.indexOf(END);
  if (s >= 0 && e > s) return text.slice(0, s) + wrapped + text.slice(e + END.length);
  const title = /^# .*\n/.exec(text);
  if (title) return `${title[0]}\n${wrapped}\n${text.slice(title[0].length)}`;
  return `${wrapped}\n\n${text}`;
}

if (import.meta.main) {
  const started = new Date();
  const load = Deno.loadavg().map((x) => x.toFixed(2)).join(", ");
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const errors: string[] = [];
  const steps: Record<Part, (r: Row[], raw: Record<string, unknown>) => Promise<void>> = {
    enrollment,
    data: dataPlane,
    control: controlPlane,
    ha: highAvailability,
    status,
  };
  for (const p of PARTS) {
    if (!only.includes(p)) continue;
    console.error(`# bench: ${p} ...`);
    try {
      await steps[p](rows, raw);
    } catch (e) {
      errors.push(`${p}: ${(e as Error).message}`);
    }
  }
  const seconds = Math.round((Date.now() - started.getTime()) / 1000);
  const command = `deno task bench ${Deno.args.join(" ")}`.trim();
  const t = table(rows);
  console.log(t);
  for (const e of errors) console.log(`error: ${e}`);
  const block = [
    `## Latest run: ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `\`${command}\` (${seconds} s; sizes ${JSON.stringify(size)}), ${navigator.hardwareConcurrency} cores, ` +
    `Deno ${Deno.version.deno}, load average at the start ${load} (the machine is shared: figures move ` +
    `between runs, the peer beside each figure ran in the same run).`,
    "",
    t,
    ...(errors.length ? ["", ...errors.map((e) => `- error: ${e}`)] : []),
    "",
    "<details><summary>raw figures</summary>",
    "",
    "```json",
    JSON.stringify(raw, null, 1),
    "```",
    "",
    "</details>",
  ].join("\n");
  let text = "";
  try {
    text = await Deno.readTextFile(outFile);
  } catch { /* a new file */ }
  await Deno.writeTextFile(outFile, replaceLatest(text || "# Benchmark results\n", block));
  // In the repository's Markdown style, so that `deno fmt --check` stays green after a run.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", outFile], stdout: "null", stderr: "null" })
    .output();
  console.error(`# bench: ${seconds} s, written to ${outFile}`);
  if (errors.length) Deno.exit(1);
}
