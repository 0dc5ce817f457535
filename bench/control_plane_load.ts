/**
 * Load process of the control-plane benchmark (started by `bench/control_plane.ts`, not by hand):
 * enrolls connectors `<prefix><from>..<prefix><to-1>` through the admin API and the real Enroll
 * RPC, then opens one ControlPlane.Connect stream per connector (each its own TLS connection with
 * its own SVID), ramping at `rate` streams per second, each heartbeating every `heartbeatMs`.
 * Reports progress as JSON lines on stdout; exits when stdin closes or after `maxSeconds`.
 *
 * Bench shortcut: all connectors of one load process share one key pair (one CSR), which keeps
 * enrollment of thousands of identities within seconds; the controller issues one SVID per id.
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { connectorHeartbeat } from "../tests/support/messages.ts";
import { channelCredentials, channelOptions } from "../shared/grpc/credentials.ts";
import { SvidSource } from "../shared/grpc/svid_source.ts";
import { createCsr } from "../shared/pki/csr.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../shared/pki/keys.ts";
import {
  type AgentMessage,
  type ControllerMessage,
  ControlPlaneService,
} from "../shared/proto/gen/postern/v1/control_plane_pb.ts";
import { EnrollmentService, type Svid } from "../shared/proto/gen/postern/v1/enrollment_pb.ts";

/** Parameters, passed as one JSON argument. */
export interface LoadParams {
  grpcAddr: string;
  adminUrl: string;
  adminToken: string;
  caPem: string;
  trustDomain: string;
  prefix: string;
  from: number;
  to: number;
  heartbeatMs: number;
  /** Streams opened per second while ramping. */
  rate: number;
  /** Enrollments in flight at once. */
  enrollConcurrency: number;
  /**
   * Streams of the ramp still coming up (TLS handshake, authentication, first configuration) at
   * most at once: past it the ramp waits, so that a controller slower than `rate` is not pushed
   * into handshake timeouts and retries; default: no bound.
   */
  maxPending?: number;
  maxSeconds: number;
}

const p = JSON.parse(Deno.args[0] ?? "{}") as LoadParams;
const report = (o: Record<string, unknown>) => console.log(JSON.stringify({ ts: Date.now(), ...o }));

const EnrollmentClient = grpc.makeGenericClientConstructor(EnrollmentService, "Enrollment");
const ControlPlaneClient = grpc.makeGenericClientConstructor(ControlPlaneService, "ControlPlane");
type Unary = (
  req: unknown,
  opts: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, r?: unknown) => void,
) => void;

async function token(): Promise<string> {
  const res = await fetch(`${p.adminUrl}/api/admin/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ role: "connector", note: "bench" }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function enrollAll(): Promise<Map<string, { certPem: string; keyPem: string }>> {
  const keys = await generateKeyPair();
  const csrPem = await createCsr(keys);
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  const client = new EnrollmentClient(
    p.grpcAddr,
    channelCredentials(new SvidSource(p.caPem), { trustDomain: p.trustDomain }),
    channelOptions(),
  );
  const enroll = (client as unknown as { enroll: Unary }).enroll.bind(client);
  const out = new Map<string, { certPem: string; keyPem: string }>();
  let next = p.from;
  const started = Date.now();
  const worker = async () => {
    while (next < p.to) {
      const i = next++;
      const id = `${p.prefix}${i}`;
      const t = await token();
      const res = await new Promise<{ svid: Svid }>((resolve, reject) =>
        enroll(
          {
            token: t,
            id,
            role: "connector",
            csrPem,
            privateIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            version: "bench",
          },
          { deadline: Date.now() + 30_000 },
          (e, r) => e ? reject(e) : resolve(r as { svid: Svid }),
        )
      );
      out.set(id, { certPem: res.svid.certificatePem, keyPem });
    }
  };
  await Promise.all(Array.from({ length: p.enrollConcurrency }, worker));
  client.close();
  report({ type: "enrolled", count: out.size, ms: Date.now() - started });
  return out;
}

const ids = await enrollAll();
let open = 0;
let failed = 0;
let ended = 0;
let heartbeats = 0;
const streams = new Map<string, () => void>();

let stopping = false;
/** Streams coming up now, and the ramp waiting for one of them to settle. */
let pending = 0;
const pendingWaiters: Array<() => void> = [];
/** Reasons of the first failed attempts, for the report (the rest are only counted). */
const firstFailures: string[] = [];

/**
 * One connector's stream. Like the real agent loop, a stream that fails to come up or ends is
 * opened again after a full-jitter backoff (0.5 s doubling to 30 s, reset once a stream is up);
 * every failure and end is counted once.
 */
function openStream(id: string, svid: { certPem: string; keyPem: string }, attempt = 0): void {
  const client = new ControlPlaneClient(
    p.grpcAddr,
    channelCredentials(new SvidSource(p.caPem, svid), { trustDomain: p.trustDomain }),
    channelOptions(),
  );
  const call = (client as unknown as { connect(): grpc.ClientDuplexStream<AgentMessage, ControllerMessage> })
    .connect();
  let established = false, finished = false;
  pending++;
  const settled = () => {
    pending--;
    for (const w of pendingWaiters.splice(0)) w();
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const beat = () => {
    heartbeats++;
    call.write(connectorHeartbeat("bench", ""));
  };
  call.on("data", (m: ControllerMessage) => {
    if (!established && m.body?.$case === "config") {
      established = true;
      settled();
      open++;
      beat();
      // Spread the heartbeats of all streams over the interval.
      setTimeout(() => {
        beat();
        timer = setInterval(beat, p.heartbeatMs);
      }, Math.random() * p.heartbeatMs);
    }
  });
  const close = () => {
    if (timer !== undefined) clearInterval(timer);
    call.cancel();
    client.close();
  };
  const done = (what: string) => {
    if (finished) return;
    finished = true;
    close();
    if (established) {
      open--;
      ended++;
    } else {
      settled();
      failed++;
      if (firstFailures.length < 5) firstFailures.push(`${id}: ${what}`);
    }
    if (stopping) return;
    const next = established ? 0 : attempt + 1;
    const backoffMs = Math.random() * Math.min(30_000, 500 * 2 ** next);
    setTimeout(() => {
      if (!stopping) openStream(id, svid, next);
    }, backoffMs);
  };
  call.on("error", (e: Error) => done(e.message));
  call.on("end", () => done("end"));
  streams.set(id, () => {
    finished = true;
    close();
  });
}

const startedRamp = Date.now();
const progress = setInterval(
  () =>
    report({
      type: "progress",
      open,
      failed,
      ended,
      heartbeats,
      started: streams.size,
      first_failures: firstFailures,
    }),
  1000,
);
let k = 0;
for (const [id, svid] of ids) {
  while (p.maxPending !== undefined && pending >= p.maxPending) {
    await new Promise<void>((r) => pendingWaiters.push(r));
  }
  openStream(id, svid);
  k++;
  const due = startedRamp + (k / p.rate) * 1000;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
report({ type: "ramped", started: streams.size, ms: Date.now() - startedRamp });

const stop = () => {
  stopping = true;
  clearInterval(progress);
  report({ type: "stopping", open, failed, ended, heartbeats, first_failures: firstFailures });
  for (const s of streams.values()) s();
  setTimeout(() => Deno.exit(0), 200);
};
setTimeout(stop, p.maxSeconds * 1000);
// The orchestrator closes our stdin to stop us.
(async () => {
  for await (const _ of Deno.stdin.readable) { /* drain */ }
  stop();
})();
