/**
 * Control-plane scale benchmark: the real controller (its own process, loopback only) with N
 * connectors enrolled through the admin API and the Enroll RPC, each holding one
 * ControlPlane.Connect stream and heartbeating every HEARTBEAT_INTERVAL, from 1-2 load processes.
 * Prints one JSON object: streams established, controller RSS and CPU, admin API latency under
 * load, time for an allowlist PUT to reach a connected stream, KV commits per second.
 *
 *   deno run -A bench/control_plane.ts [--n 2000] [--procs 2] [--rate 200] [--steady 60]
 *     [--heartbeat 10] [--settle 0]
 *
 * Bounded: gives up on the ramp after `--ramp-timeout` seconds (default 120), stops every process
 * it started when done or on error.
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
import { pickPort } from "../shared/demo/ports.ts";
import { makeDevDir } from "../shared/config/roots.ts";

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
  },
});
const N = Math.min(10_000, Math.max(1, Number(a.n)));
const PROCS = Math.min(4, Math.max(1, Number(a.procs)));
const RATE = Number(a.rate);
const STEADY_S = Number(a.steady);
const HEARTBEAT_S = Number(a.heartbeat);
const RAMP_TIMEOUT_S = Number(a["ramp-timeout"]);
const SETTLE_S = Number(a.settle);
const TD = "postern.internal";
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

const freePort = () => pickPort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10 : null;
};
const summary = (xs: number[]) => ({ n: xs.length, p50: pct(xs, 0.5), p99: pct(xs, 0.99), max: pct(xs, 1) });

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
/** utime+stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

const dir = await makeDevDir("bench", "postern-bench-cp-");
const { certPem: caPem, keyPem: caKeyPem } = await createCa({ commonName: "Bench CA" });
const adminPort = freePort();
const grpcPort = freePort();
const adminUrl = `http://127.0.0.1:${adminPort}`;
const grpcAddr = `127.0.0.1:${grpcPort}`;
const children: Deno.ChildProcess[] = [];

const controller = new Deno.Command(deno, {
  args: ["run", "-q", "-P=controller", "controller/main.ts", "serve"],
  cwd: root,
  env: {
    INTERNAL_CA_CERT: caPem,
    INTERNAL_CA_KEY: caKeyPem,
    ADMIN_AUTH_TOKEN: ADMIN_TOKEN,
    ADMIN_HTTP_ADDR: `127.0.0.1:${adminPort}`,
    CONTROLLER_GRPC_ADDR: grpcAddr,
    CONTROLLER_STATE_DIR: `${dir}/state`,
    HEARTBEAT_INTERVAL: `${HEARTBEAT_S}s`,
    OFFLINE_AFTER: `${HEARTBEAT_S * 3}s`,
    CONNECTOR_CERT_TTL: "1h",
    LOG_LEVEL: "warn",
  },
  stdout: "null",
  stderr: "piped",
}).spawn();
children.push(controller);
const controllerLog: string[] = [];
void (async () => {
  for await (const chunk of controller.stderr.pipeThrough(new TextDecoderStream())) {
    if (controllerLog.length < 50) controllerLog.push(chunk.slice(0, 500));
  }
})();

const admin = (path: string, init: RequestInit = {}) =>
  fetch(adminUrl + path, {
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
  try {
    const db = new DatabaseSync(`${dir}/state/controller.kv`, { readOnly: true });
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
 * Commits since versionstamp `v0` that are still the latest write of some key (a lower bound of
 * all commits: a key written twice in the window counts once).
 */
function kvCommitsSince(v0: number | null): number | null {
  if (v0 === null) return null;
  return kvQuery<{ n: number }>("SELECT count(DISTINCT version) AS n FROM kv WHERE version > ?", v0)?.n ??
    null;
}

const out: Record<string, unknown> = {
  n: N,
  load_processes: PROCS,
  heartbeat_interval_s: HEARTBEAT_S,
  cores: navigator.hardwareConcurrency,
};
try {
  const readyBy = Date.now() + 30_000;
  while (true) {
    if (Date.now() > readyBy) throw new Error(`controller not ready: ${controllerLog.join("")}`);
    const ok = await fetch(`${adminUrl}/readyz`).then((r) => (r.body?.cancel(), r.ok), () => false);
    if (ok) break;
    await sleep(200);
  }
  out.controller_rss_mib_idle = rssMiB(controller.pid);

  // The probe: one connector of our own, for the push latency (config on its stream after a PUT).
  const probe = await openProbe();

  const reports: Array<Record<string, unknown>> = [];
  const per = Math.ceil(N / PROCS);
  for (let i = 0; i < PROCS; i++) {
    const params: LoadParams = {
      grpcAddr,
      adminUrl,
      adminToken: ADMIN_TOKEN,
      caPem,
      trustDomain: TD,
      prefix: `b${i}-`,
      from: i * per,
      to: Math.min(N, (i + 1) * per),
      heartbeatMs: HEARTBEAT_S * 1000,
      rate: RATE / PROCS,
      enrollConcurrency: 16,
      maxSeconds: RAMP_TIMEOUT_S + SETTLE_S + STEADY_S + 120,
    };
    const child = new Deno.Command(deno, {
      args: ["run", "-A", `${root}bench/control_plane_load.ts`, JSON.stringify(params)],
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
  while (reports.some((r) => r.enroll_ms === undefined)) {
    if (Date.now() - t0 > 300_000) throw new Error("enrollment did not finish within 300 s");
    await sleep(250);
  }
  const enrollS = (Date.now() - t0) / 1000;
  out.enroll = { seconds: enrollS, per_second: Math.round(N / enrollS) };
  const enrollCommits = kvCommitsSince(kv0);
  if (enrollCommits !== null) {
    out.enroll_kv_commits_per_enrollment_min = Math.round((enrollCommits / N) * 10) / 10;
  }

  const rampStart = Date.now();
  let peakRss = 0;
  while (sum("open") < N && Date.now() - rampStart < RAMP_TIMEOUT_S * 1000) {
    await sleep(500);
    peakRss = Math.max(peakRss, rssMiB(controller.pid));
  }
  out.streams_established = sum("open");
  // Attempts that did not come up; each was retried with backoff, as the agent loop does.
  out.stream_attempts_failed = sum("failed");
  const failures = reports.flatMap((r) => (r?.first_failures as string[] | undefined) ?? []);
  out.stream_failures_first = failures.slice(0, 5);
  out.ramp_seconds = (Date.now() - rampStart) / 1000;
  out.controller_rss_mib_after_ramp = rssMiB(controller.pid);
  if (SETTLE_S > 0) {
    await sleep(SETTLE_S * 1000);
    out.settle_seconds = SETTLE_S;
  }

  // Steady state: heartbeats flow; measure the admin API and the push path under that load.
  const cpu0 = cpuSeconds(controller.pid);
  const kvS0 = kvVersion();
  const hb0 = sum("heartbeats");
  const steadyStart = Date.now();
  const list: number[] = [];
  const one: number[] = [];
  const push: number[] = [];
  let round = 0;
  // Second half of the steady window: after the ramp's ONLINE events and first last_seen writes.
  let kvHalf: number | null | undefined;
  let halfStart = 0;
  while (Date.now() - steadyStart < STEADY_S * 1000) {
    if (kvHalf === undefined && Date.now() - steadyStart >= (STEADY_S * 1000) / 2) {
      kvHalf = kvVersion();
      halfStart = Date.now();
    }
    const id = `b${round % PROCS}-${(round % PROCS) * per + (round * 7) % Math.max(1, per)}`;
    one.push(await timed(`/api/admin/connectors/${id}`));
    if (round % 5 === 0) list.push(await timed("/api/admin/connectors"));
    push.push(await probe.pushLatency(round));
    peakRss = Math.max(peakRss, rssMiB(controller.pid));
    round++;
    await sleep(500);
  }
  const steadyS = (Date.now() - steadyStart) / 1000;
  const steadyCommits = kvCommitsSince(kvS0);
  const halfCommits = kvCommitsSince(kvHalf ?? null);
  const halfS = (Date.now() - halfStart) / 1000;
  out.steady = {
    seconds: steadyS,
    streams_open_at_end: sum("open"),
    streams_ended_during_run: sum("ended"),
    heartbeats_sent_per_second: Math.round((sum("heartbeats") - hb0) / steadyS),
    controller_cpu_percent: Math.round(((cpuSeconds(controller.pid) - cpu0) / steadyS) * 100),
    kv_commits_per_second_min: steadyCommits !== null
      ? Math.round((steadyCommits / steadyS) * 10) / 10
      : "unavailable",
    kv_commits_per_second_min_second_half: halfCommits !== null
      ? Math.round((halfCommits / halfS) * 10) / 10
      : "unavailable",
    admin_get_connector_ms: summary(one),
    admin_list_connectors_ms: summary(list),
    allowlist_put_to_stream_ms: summary(push),
  };
  out.controller_rss_mib_peak = peakRss;
  const metrics = await (await admin("/metrics")).text();
  out.metrics_control_streams = Number(
    /^postern_control_streams(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? NaN,
  );
  const online = await (await admin("/api/admin/connectors")).json() as Array<{ status: string }>;
  out.connectors_online = online.filter((c) => c.status === "ONLINE").length;
  probe.close();
} catch (e) {
  out.error = (e as Error).message;
} finally {
  for (const c of children.slice(1)) {
    await c.stdin.close().catch(() => {});
  }
  await sleep(500);
  for (const c of children.slice(1)) {
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
  }
  try {
    controller.kill("SIGTERM");
  } catch { /* gone */ }
  const timeout = setTimeout(() => {
    try {
      controller.kill("SIGKILL");
    } catch { /* gone */ }
  }, 10_000);
  await controller.status;
  clearTimeout(timeout);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  console.log(JSON.stringify(out, null, 2));
  Deno.exit(out.error ? 1 : 0);
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
    grpcAddr,
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
    grpcAddr,
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
      });
      await res.arrayBuffer();
      return (await got) - t;
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}
