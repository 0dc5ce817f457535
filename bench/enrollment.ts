/**
 * Enrollment benchmark: a real controller process, N tunneler tokens created through the admin
 * API beforehand, then N Enroll RPCs (token consumed, CSR verified, SVID signed, state stored,
 * event written) from C concurrent callers on one gRPC channel, timed end to end. Beside it, in
 * the same run: the issuing alone in this process (`issueSvid`, CSR check and signing, no
 * transport, no storage), WebCrypto's ECDSA P-256 sign alone, and `openssl speed ecdsap256`
 * (the limit of the machine's fastest signer). Prints one JSON object.
 *
 *   deno run -A bench/enrollment.ts [--n 600] [--concurrency 16] [--sign 300] [--openssl-seconds 2]
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
  /** This process (the gRPC client) during the enrollments, percent of one core. */
  client_cpu_percent: number;
  /** issueSvid() alone in this process, per second (CSR read and verified, certificate signed). */
  issue_alone_per_second: number;
  /** WebCrypto ECDSA P-256 sign alone, per second. */
  webcrypto_sign_per_second: number;
  /** `openssl speed ecdsap256` sign and verify per second (null when openssl is missing). */
  openssl_sign_per_second: number | null;
  openssl_verify_per_second: number | null;
  first_error?: string;
}

async function enrollEndToEnd(N: number, C: number, prof: string | undefined): Promise<
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
    // One key per caller: the controller verifies and signs every request anyway.
    const csrs = await Promise.all(Array.from({ length: C }, async () => createCsr(await generateKeyPair())));
    const Client = grpc.makeGenericClientConstructor(EnrollmentService, "Enrollment");
    const client = new Client(
      ctl.grpcAddr,
      channelCredentials(new SvidSource(ctl.caPem), { trustDomain: BENCH_TRUST_DOMAIN }),
      channelOptions(),
    );
    const enroll = (client as unknown as {
      enroll(r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void): void;
    }).enroll.bind(client);
    const call = (i: number, csrPem: string) =>
      new Promise<void>((resolve, reject) =>
        enroll(
          { token: tokens[i], id: `t${i}`, role: "tunneler", csrPem, privateIp: "", version: "bench" },
          { deadline: Date.now() + 30_000 },
          (e) => e ? reject(e) : resolve(),
        )
      );
    // The channel's TLS handshake before the clock starts.
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 10_000, (e) => e ? reject(e) : resolve())
    );
    const lat: number[] = [];
    let failed = 0;
    let firstError: string | undefined;
    let next = 0;
    const cpu0 = cpuSeconds(ctl.process.pid);
    const threads0 = threadCpuSeconds(ctl.process.pid);
    const own0 = cpuSeconds(Deno.pid);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: C }, async (_, w) => {
      while (next < N) {
        const i = next++;
        const t = performance.now();
        try {
          await call(i, csrs[w]!);
          lat.push(performance.now() - t);
        } catch (e) {
          failed++;
          firstError ??= (e as Error).message;
        }
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(ctl.process.pid) - cpu0;
    const threads1 = threadCpuSeconds(ctl.process.pid);
    const mainThread = threads1.main - threads0.main;
    const own = cpuSeconds(Deno.pid) - own0;
    client.close();
    return {
      enrolled: lat.length,
      failed,
      concurrency: C,
      per_second: Math.round(lat.length / seconds),
      latency_ms: { p50: pct(lat, 0.5), p99: pct(lat, 0.99) },
      controller_cpu_percent: Math.round((cpu / seconds) * 100),
      controller_cpu_ms_per_enrollment: Math.round((cpu * 1000 / Math.max(1, lat.length)) * 100) / 100,
      controller_main_thread_ms_per_enrollment:
        Math.round((mainThread * 1000 / Math.max(1, lat.length)) * 100) /
        100,
      controller_threads_ms_per_enrollment: threadMsPer(threads0.byName, threads1.byName, lat.length),
      client_cpu_percent: Math.round((own / seconds) * 100),
      ...(firstError === undefined ? {} : { first_error: firstError }),
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
  const e2e = await enrollEndToEnd(Math.max(1, o.n ?? 600), Math.max(1, o.concurrency ?? 16), o.cpuProf);
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
    },
  });
  const figures = await runEnrollmentBench({
    n: Number(a.n),
    concurrency: Number(a.concurrency),
    sign: Number(a.sign),
    opensslSeconds: Number(a["openssl-seconds"]),
    ...(a["cpu-prof"] ? { cpuProf: a["cpu-prof"] } : {}),
  });
  console.log(JSON.stringify(figures, null, 2));
  if (figures.failed > 0 || figures.enrolled === 0) Deno.exit(1);
}
