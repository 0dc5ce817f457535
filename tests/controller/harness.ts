/**
 * Test harness: a real controller in process (real TLS, real KV file in a temp dir, free ports)
 * and grpc-js clients for Enroll, Renew and Connect.
 * @module
 */
export { connectorHeartbeat } from "../support/messages.ts";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { channelCredentials, channelOptions } from "../../shared/grpc/credentials.ts";
import { SvidSource } from "../../shared/grpc/svid_source.ts";
import { createLogger } from "../../shared/log/logger.ts";
import { createCa } from "../../shared/pki/ca.ts";
import { createCsr } from "../../shared/pki/csr.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../../shared/pki/keys.ts";
import {
  type AgentMessage,
  type ControllerMessage,
  ControlPlaneService,
} from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import {
  EnrollmentService,
  type EnrollRequest,
  type Svid,
} from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import type { ControllerConfig } from "../../controller/config.ts";
import { type RunningController, startController } from "../../controller/serve.ts";
import { waitFor } from "../support/wait_for.ts";
import { adminClient } from "../support/admin.ts";
import { unaryCall } from "../../shared/grpc/unary.ts";
import { makeTestDir } from "../support/paths.ts";
import { Watched } from "../support/watched.ts";

export const TD = "postern.internal";
export const ADMIN_TOKEN = "test-admin-token-0123456789";

/** A controller under test. */
export interface Harness extends AsyncDisposable {
  controller: RunningController;
  dir: string;
  caPem: string;
  caKeyPem: string;
  admin(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Creates a token through the admin API. */
  token(role: "connector" | "tunneler", extra?: Record<string, unknown>): Promise<string>;
  logs: string[];
}

/** Starts a controller; `overrides` replace config fields; `clock.now` is its enrollment-token clock. */
export async function startHarness(
  overrides: Partial<ControllerConfig> = {},
  clock: { now?: () => number } = {},
): Promise<Harness> {
  const dir = await makeTestDir({ prefix: "postern-controller-test-" });
  const { certPem, keyPem, ca } = await createCa({ commonName: "Test CA" });
  const logs: string[] = [];
  const config: ControllerConfig = {
    trustDomain: TD,
    adminToken: ADMIN_TOKEN,
    // Port 0: the controller binds a free port and reports it (adminPort, grpcPort); no bind-close-reuse race.
    adminAddr: { hostname: "127.0.0.1", port: 0 },
    grpcAddr: { hostname: "127.0.0.1", port: 0 },
    stateDir: `${dir}/state`,
    connectorCertTtlMs: 3_600_000,
    tunnelerCertTtlMs: 3_600_000,
    enrollmentTokenTtlMs: 3_600_000,
    heartbeatIntervalMs: 200,
    offlineAfterMs: 1000,
    renewGraceMs: 7 * 86_400_000,
    log: { level: "debug", format: "text", write: (l) => logs.push(l) },
    caSource: { certPem, keyPem },
    ca,
    ...overrides,
  };
  const controller = await startController(config, createLogger(config.log), clock);
  const base = `http://127.0.0.1:${controller.adminPort}`;
  const admin = adminClient(base, ADMIN_TOKEN).fetch;
  return {
    controller,
    dir,
    caPem: certPem,
    caKeyPem: keyPem,
    admin,
    logs,
    async token(role, extra = {}) {
      const res = await admin("/api/admin/tokens", { method: "POST", json: { role, ...extra } });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
      return body.token;
    },
    async [Symbol.asyncDispose]() {
      await controller.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

const EnrollmentClient = grpc.makeGenericClientConstructor(EnrollmentService, "Enrollment");
const ControlPlaneClient = grpc.makeGenericClientConstructor(ControlPlaneService, "ControlPlane");

/** An agent's credentials after enrollment. */
export interface AgentCreds {
  svid: Svid;
  certPem: string;
  keyPem: string;
}

function creds(h: Harness, agent?: { certPem: string; keyPem: string }, bundlePem?: string) {
  const source = new SvidSource(bundlePem ?? h.controller.ctx.ca.bundle.toPem(), agent);
  return channelCredentials(source, { trustDomain: TD });
}

/** One unary call with a 10 s deadline; closes the client after it. */
async function call<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
  try {
    return await unaryCall<T>(client, method, req, 10_000);
  } finally {
    client.close();
  }
}

/** Enrolls with a fresh key; resolves with the issued SVID and key. */
export function enroll(
  h: Harness,
  req: Partial<EnrollRequest> & { token: string; id: string },
  agent?: { certPem: string; keyPem: string },
): Promise<AgentCreds> {
  return requestSvid(h, agent, "enroll", (csrPem) => ({
    role: "connector",
    csrPem,
    privateIp: req.role === "tunneler" ? "" : "10.0.0.5",
    version: "test",
    ...req,
  }));
}

/** Renews as `agent`; `agent` undefined sends no client certificate. */
export function renew(
  h: Harness,
  agent: { certPem: string; keyPem: string } | undefined,
): Promise<AgentCreds> {
  return requestSvid(h, agent, "renew", (csrPem) => ({ csrPem, version: "test" }));
}

/** Calls `method` as `agent` with the request `body` makes from the CSR of a fresh key. */
async function requestSvid(
  h: Harness,
  agent: { certPem: string; keyPem: string } | undefined,
  method: "enroll" | "renew",
  body: (csrPem: string) => unknown,
): Promise<AgentCreds> {
  const keys = await generateKeyPair();
  const client = new EnrollmentClient(
    `127.0.0.1:${h.controller.grpcPort}`,
    creds(h, agent),
    channelOptions(),
  );
  const res = await call<{ svid: Svid }>(client, method, body(await createCsr(keys)));
  return {
    svid: res.svid,
    certPem: res.svid.certificatePem,
    keyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/** An open Connect stream. */
export interface Stream {
  messages: ControllerMessage[];
  /** Resolves with the first message (from index `from`) matching `pred`. */
  next(
    pred: (m: ControllerMessage) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<ControllerMessage>;
  send(m: AgentMessage): void;
  ended: Promise<grpc.StatusObject | grpc.ServiceError>;
  close(): void;
}

/** Opens ControlPlane.Connect as `agent`. */
export function connect(h: Harness, agent: { certPem: string; keyPem: string }): Stream {
  const client = new ControlPlaneClient(
    `127.0.0.1:${h.controller.grpcPort}`,
    creds(h, agent),
    channelOptions(),
  );
  const c = (client as unknown as { connect(): grpc.ClientDuplexStream<AgentMessage, ControllerMessage> })
    .connect();
  const received = new Watched<ControllerMessage>();
  const messages = received.items;
  c.on("data", (m: ControllerMessage) => received.push(m));
  const ended = new Promise<grpc.StatusObject | grpc.ServiceError>((resolve) => {
    c.on("status", (s: grpc.StatusObject) => resolve(s));
    c.on("error", (e: grpc.ServiceError) => resolve(e));
  });
  ended.then(() => {
    client.close();
    received.end();
  });
  return {
    messages,
    ended,
    send: (m) => c.write(m),
    close: () => {
      c.cancel();
      client.close();
    },
    next(pred, timeoutMs = 5000, from = 0) {
      return received.first(pred, timeoutMs, {
        from,
        timeout: () =>
          new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
      });
    },
  };
}

/** Expects `p` to reject with a gRPC error of `code` whose details contain `text`. */
export async function expectGrpcError(p: Promise<unknown>, code: grpc.status, text: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as grpc.ServiceError;
    if (err.code !== code || !err.details?.includes(text)) {
      assert.fail(
        `expected ${grpc.status[code]} "${text}", got ${grpc.status[err.code]} "${err.details}"`,
      );
    }
    return;
  }
  assert.fail(`expected ${grpc.status[code]} "${text}", but the call succeeded`);
}

/** Polls `fn` until it returns true (waitFor() of tests/support, with a boolean condition). */
export async function eventually(
  fn: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  await waitFor(what, async () => (await fn()) || undefined, timeoutMs, 50);
}
