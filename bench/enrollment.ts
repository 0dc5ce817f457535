/**
 * Enrollment benchmark: a real controller process, N tunneler tokens created through the admin
 * API beforehand, then N Enroll RPCs (token consumed, CSR verified, SVID signed, state stored,
 * event written) from C concurrent callers on one gRPC channel, timed end to end. The load comes
 * from gRPC's C core (`bench/enrollment_client.py`, python3-grpcio) when it is installed, else
 * from grpc-js in this process (`--client deno`), which costs the shared cores about four times
 * as much CPU per call; either way the client's own CPU is measured and reported. Beside it, in
 * the same run: the issuing alone in this process (`issueSvid`, CSR check and signing, no
 * transport, no storage), WebCrypto's ECDSA P-256 sign alone, and `openssl speed ecdsap256`
 * (the limit of the machine's fastest signer). Prints one JSON object.
 *
 *   deno run -A bench/enrollment.ts [--n 600] [--concurrency 16] [--sign 300] [--openssl-seconds 2] [--client c-core|deno]
 *
 * `--cpu-prof DIR` runs the controller with `--cpu-prof` into DIR.
 * @module
 */
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { createCa } from "../shared/pki/ca.ts";
import { createCsr, readCsr } from "../shared/pki/csr.ts";
import { issueSvid } from "../shared/pki/issue.ts";
import { generateKeyPair } from "../shared/pki/keys.ts";
import { channelCredentials, channelOptions } from "../shared/grpc/credentials.ts";
import { SvidSource } from "../shared/grpc/svid_source.ts";
import { EnrollmentService } from "../shared/proto/gen/postern/v1/enrollment_pb.ts";
import {
  BENCH_TRUST_DOMAIN,
  cpuSeconds,
  startBenchController,
  threadCpuSeconds,
  threadMsPer,
} from "./_controller.ts";
import { linesOf } from "./_lines.ts";

/** The load client: `c-core` (bench/enrollment_client.py) or `deno` (grpc-js in the bench process). */
export type EnrollmentClient = "c-core" | "deno";

/** Sizes of one run. */
export interface EnrollmentBenchOptions {
  /** Enrollments (tokens created beforehand). Default 600. */
  n?: number;
  /** Callers in flight at once. Default 16. */
  concurrency?: number;
  /** Iterations of the in-process loops. Default 300. */
  sign?: number;
  /** Seconds of `openssl speed`. Default 2. */
  opensslSeconds?: number;
  /** Directory for the controller's `--cpu-prof`; default none. */
  cpuProf?: string;
  /** The load client; default `c-core` when python3-grpcio is installed, else `deno`. */
  client?: EnrollmentClient;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10 : null;
};

/** The figures of one run. */
export interface EnrollmentFigures {
  /** Enroll RPCs that succeeded / failed. */
  enrolled: number;
  failed: number;
  concurrency: number;
  /** End-to-end enrollments per second. */
  per_second: number;
  latency_ms: { p50: number | null; p99: number | null };
  /** Controller CPU during the enrollments, percent of one core. */
  controller_cpu_percent: number;
  /** Controller CPU per enrollment, ms. */
  controller_cpu_ms_per_enrollment: number;
  /** Of that, its main thread (the event loop), ms; the ECDSA runs on the controller's worker. */
  controller_main_thread_ms_per_enrollment: number;
  /** Controller CPU ms per enrollment by thread name (`main` is the event loop), largest first. */
  controller_threads_ms_per_enrollment: Record<string, number>;
  /** Which load client ran: gRPC's C core (python3-grpcio, when installed) or grpc-js in this process. */
  client: EnrollmentClient;
  /** The load client's own CPU during the enrollments, percent of one core, and ms per enrollment. */
  client_cpu_percent: number;
  client_cpu_ms_per_enrollment: number;
  /** The 1-minute load average when the enrollments started (the machine may be shared). */
  load_average_at_start: number;
  /** issueSvid() alone in this process, per second (CSR read and verified, certificate signed). */
  issue_alone_per_second: number;
  /** WebCrypto ECDSA P-256 sign alone, per second. */
  webcrypto_sign_per_second: number;
  /** `openssl speed ecdsap256` sign and verify per second (null when openssl is missing). */
  openssl_sign_per_second: number | null;
  openssl_verify_per_second: number | null;
  first_error?: string;
}

/** One Enroll call to make. */
interface EnrollCall {
  token: string;
  id: string;
  role: "tunneler";
  csrPem: string;
}

/** What a load client measured over its run (its clock starts once its channel is up). */
/** What a load client runs: `calls` against the controller at `addr`, `C` at a time. */
interface Load {
  addr: string;
  caPem: string;
  calls: EnrollCall[];
  C: number;
  /** Runs when the client's channel is up, just before its first call. */
  onStart: () => void;
}

interface LoadResult {
  latencies: number[];
  failed: number;
  firstError?: string;
  seconds: number;
  /** The client's own CPU over the run, seconds. */
  cpuSeconds: number;
}

/** A Python with grpcio (gRPC's C core) to run bench/enrollment_client.py: `python3`, else the system's. */
async function cCorePython(): Promise<string | undefined> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import grpc"],
        stdout: "null",
        stderr: "null",
      })
        .output();
      if (out.success) return python;
    } catch { /* not this one */ }
  }
  return undefined;
}

/**
 * The load on gRPC's C core (bench/enrollment_client.py). `onStart` runs when the client's
 * channel is up, just before its first call.
 */
async function cCoreLoad(python: string, { addr, caPem, calls, C, onStart }: Load): Promise<LoadResult> {
  const child = new Deno.Command(python, {
    args: [new URL("./enrollment_client.py", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const job = {
    addr,
    ca_pem: caPem,
    concurrency: C,
    requests: calls.map((c) => ({ token: c.token, id: c.id, role: c.role, csr_pem: c.csrPem })),
  };
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(job) + "\n"));
  const lines = linesOf(child.stdout);
  const reader = lines.getReader();
  const stderr = new Response(child.stderr).text();
  const next = async () => {
    const r = await reader.read();
    if (r.done) throw new Error(`enrollment_client.py ended early: ${(await stderr).slice(-500)}`);
    return r.value;
  };
  if ((await next()) !== "ready") throw new Error("enrollment_client.py: expected ready");
  onStart();
  await writer.write(new TextEncoder().encode("go\n"));
  await writer.close();
  const out = JSON.parse(await next());
  await child.status;
  return {
    latencies: out.latencies_ms,
    failed: out.failed,
    ...(out.first_error ? { firstError: out.first_error } : {}),
    seconds: out.seconds,
    cpuSeconds: out.cpu_seconds,
  };
}

/** The load on grpc-js in this process, one channel. */
async function denoLoad({ addr, caPem, calls, C, onStart }: Load): Promise<LoadResult> {
  const Client = grpc.makeGenericClientConstructor(EnrollmentService, "Enrollment");
  const client = new Client(
    addr,
    channelCredentials(new SvidSource(caPem), { trustDomain: BENCH_TRUST_DOMAIN }),
    channelOptions(),
  );
  const enroll = (client as unknown as {
    enroll(r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void): void;
  }).enroll.bind(client);
  const call = (c: EnrollCall) =>
    new Promise<void>((resolve, reject) =>
      enroll(
        { ...c, privateIp: "", version: "bench" },
        { deadline: Date.now() + 30_000 },
        (e) => e ? reject(e) : resolve(),
      )
    );
  // The channel's TLS handshake before the clock starts.
  await new Promise<void>((resolve, reject) =>
    client.waitForReady(Date.now() + 10_000, (e) => e ? reject(e) : resolve())
  );
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  onStart();
  const own0 = cpuSeconds(Deno.pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    while (next < calls.length) {
      const c = calls[next++]!;
      const t = performance.now();
      try {
        await call(c);
        latencies.push(performance.now() - t);
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(Deno.pid) - own0;
  client.close();
  return { latencies, failed, ...(firstError === undefined ? {} : { firstError }), seconds, cpuSeconds: cpu };
}

async function enrollEndToEnd(
  N: number,
  C: number,
  prof: string | undefined,
  python: string | undefined,
): Promise<
  Omit<EnrollmentFigures, `${"issue" | "webcrypto" | "openssl"}_${string}`>
> {
  const env: Record<string, string> = { TUNNELER_CERT_TTL: "1h" };
  const ctl = await startBenchController(env, prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []);
  try {
    const tokens: string[] = [];
    for (let i = 0; i < N; i++) {
      const res = await ctl.admin("/api/admin/tokens", {
        method: "POST",
        body: JSON.stringify({ role: "tunneler", note: "bench" }),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
      tokens.push(body.token);
    }
    // One key per caller slot: the controller verifies and signs every request anyway.
    const csrs = await Promise.all(Array.from({ length: C }, async () => createCsr(await generateKeyPair())));
    const calls: EnrollCall[] = tokens.map((token, i) => ({
      token,
      id: `t${i}`,
      role: "tunneler",
      csrPem: csrs[i % C]!,
    }));
    let cpu0 = 0;
    let threads0 = threadCpuSeconds(ctl.process.pid);
    const onStart = () => {
      cpu0 = cpuSeconds(ctl.process.pid);
      threads0 = threadCpuSeconds(ctl.process.pid);
    };
    const spec: Load = { addr: ctl.grpcAddr, caPem: ctl.caPem, calls, C, onStart };
    const load = python !== undefined ? await cCoreLoad(python, spec) : await denoLoad(spec);
    const cpu = cpuSeconds(ctl.process.pid) - cpu0;
    const threads1 = threadCpuSeconds(ctl.process.pid);
    const mainThread = threads1.main - threads0.main;
    const lat = load.latencies;
    const seconds = load.seconds;
    return {
      enrolled: lat.length,
      failed: load.failed,
      concurrency: C,
      client: python !== undefined ? "c-core" : "deno",
      per_second: Math.round(lat.length / seconds),
      latency_ms: { p50: pct(lat, 0.5), p99: pct(lat, 0.99) },
      controller_cpu_percent: Math.round((cpu / seconds) * 100),
      controller_cpu_ms_per_enrollment: Math.round((cpu * 1000 / Math.max(1, lat.length)) * 100) / 100,
      controller_main_thread_ms_per_enrollment:
        Math.round((mainThread * 1000 / Math.max(1, lat.length)) * 100) /
        100,
      controller_threads_ms_per_enrollment: threadMsPer(threads0.byName, threads1.byName, lat.length),
      client_cpu_percent: Math.round((load.cpuSeconds / seconds) * 100),
      client_cpu_ms_per_enrollment: Math.round((load.cpuSeconds * 1000 / Math.max(1, lat.length)) * 100) /
        100,
      load_average_at_start: Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]),
      ...(load.firstError === undefined ? {} : { first_error: load.firstError }),
    };
  } finally {
    await ctl.stop();
  }
}

/** issueSvid() alone, and the WebCrypto signature alone, in this process. */
async function signingAlone(SIGN_N: number): Promise<{ issue: number; sign: number }> {
  const { ca } = await createCa();
  const csrPem = await createCsr(await generateKeyPair());
  await readCsr(csrPem);
  const req = (i: number) => ({
    csrPem,
    spiffeId: `spiffe://postern.internal/tunneler/s${i}`,
    ttlMs: 3_600_000,
  });
  for (let i = 0; i < 20; i++) await issueSvid(ca, req(i));
  let t = performance.now();
  for (let i = 0; i < SIGN_N; i++) await issueSvid(ca, req(i));
  const issue = Math.round(SIGN_N / ((performance.now() - t) / 1000));
  const data = new Uint8Array(420);
  t = performance.now();
  for (let i = 0; i < SIGN_N; i++) {
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ca.privateKey, data);
  }
  const sign = Math.round(SIGN_N / ((performance.now() - t) / 1000));
  return { issue, sign };
}

/** `openssl speed -seconds S ecdsap256`: sign/s and verify/s, or nulls. */
async function opensslSpeed(seconds: number): Promise<{ sign: number | null; verify: number | null }> {
  try {
    const out = await new Deno.Command("openssl", {
      args: ["speed", "-seconds", String(seconds), "ecdsap256"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => /ecdsa \(nistp256\)/.test(l));
    const nums = line?.trim().split(/\s+/).slice(-2).map(Number);
    if (!nums || nums.some((n) => !Number.isFinite(n))) return { sign: null, verify: null };
    return { sign: Math.round(nums[0]!), verify: Math.round(nums[1]!) };
  } catch {
    return { sign: null, verify: null };
  }
}

/** Runs the three in sequence (never at once: they would share the cores). */
export async function runEnrollmentBench(o: EnrollmentBenchOptions = {}): Promise<EnrollmentFigures> {
  const python = o.client === "deno" ? undefined : await cCorePython();
  if (o.client === "c-core" && python === undefined) throw new Error("--client c-core needs python3-grpcio");
  const e2e = await enrollEndToEnd(
    Math.max(1, o.n ?? 600),
    Math.max(1, o.concurrency ?? 16),
    o.cpuProf,
    python,
  );
  const alone = await signingAlone(Math.max(1, o.sign ?? 300));
  const ossl = await opensslSpeed(o.opensslSeconds ?? 2);
  return {
    ...e2e,
    issue_alone_per_second: alone.issue,
    webcrypto_sign_per_second: alone.sign,
    openssl_sign_per_second: ossl.sign,
    openssl_verify_per_second: ossl.verify,
  };
}

if (import.meta.main) {
  const { values: a } = parseArgs({
    args: Deno.args,
    options: {
      n: { type: "string", default: "600" },
      concurrency: { type: "string", default: "16" },
      sign: { type: "string", default: "300" },
      "openssl-seconds": { type: "string", default: "2" },
      "cpu-prof": { type: "string" },
      client: { type: "string" },
    },
  });
  const figures = await runEnrollmentBench({
    n: Number(a.n),
    concurrency: Number(a.concurrency),
    sign: Number(a.sign),
    opensslSeconds: Number(a["openssl-seconds"]),
    ...(a["cpu-prof"] ? { cpuProf: a["cpu-prof"] } : {}),
    ...(a.client === "deno" || a.client === "c-core" ? { client: a.client } : {}),
  });
  console.log(JSON.stringify(figures, null, 2));
  if (figures.failed > 0 || figures.enrolled === 0) Deno.exit(1);
}
