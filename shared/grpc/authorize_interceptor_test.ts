import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { makeTestPki } from "../pki/testing.ts";
import { EnrollmentService, type EnrollResponse } from "../proto/gen/postern/v1/enrollment_pb.ts";
import { type InterceptorRefusal, type MethodPolicy, roleInterceptor } from "./authorize_interceptor.ts";
import { channelCredentials, serverCredentials, serverOptions } from "./credentials.ts";
import { SvidSource } from "./svid_source.ts";
import { callForSpiffeId } from "./testing.ts";

const TD = "postern.internal";
const ENROLL = "/postern.v1.Enrollment/Enroll";
const RENEW = "/postern.v1.Enrollment/Renew";

/** A real server whose handlers count their calls, behind the interceptor. */
async function start(policies: Record<string, MethodPolicy>) {
  const pki = await makeTestPki({ trustDomain: TD });
  const controller = await pki.issue("controller", "c1", { ipSans: ["127.0.0.1"] });
  const refusals: InterceptorRefusal[] = [];
  const server = new grpc.Server({
    ...serverOptions(),
    interceptors: [roleInterceptor(policies, (r) => refusals.push(r))],
  });
  const handled: string[] = [];
  const answer = (name: string) => (_call: unknown, done: grpc.sendUnaryData<EnrollResponse>) => {
    handled.push(name);
    done(null, { svid: { spiffeId: name, certificatePem: "", trustBundlePem: [], notAfterUnixMs: 0 } });
  };
  server.addService(EnrollmentService, { enroll: answer("enroll"), renew: answer("renew") });
  const source = new SvidSource(pki.caPem, controller);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials(source), (e, p) => e ? reject(e) : resolve(p))
  );
  return { pki, server, port, handled, refusals };
}

/** Calls `path` with `source`'s credentials; resolves with what the handler answered. */
function call(port: number, path: string, source: SvidSource): Promise<string> {
  return callForSpiffeId(port, channelCredentials(source, { trustDomain: TD }), path);
}

const POLICIES: Record<string, MethodPolicy> = {
  [ENROLL]: { anyone: true },
  [RENEW]: { roles: ["connector", "tunneler"], missingCertificate: "client certificate required" },
};

Deno.test("roleInterceptor() lets anyone reach an open method and an allowed role reach its method", async () => {
  const s = await start(POLICIES);
  try {
    assert.equal(await call(s.port, ENROLL, new SvidSource(s.pki.caPem)), "enroll");
    const agent = await s.pki.issue("tunneler", "t1");
    assert.equal(await call(s.port, RENEW, new SvidSource(s.pki.caPem, agent)), "renew");
    assert.deepEqual(s.handled, ["enroll", "renew"]);
    assert.deepEqual(s.refusals, []);
  } finally {
    s.server.forceShutdown();
  }
});

Deno.test("roleInterceptor() refuses a wrong role and a missing certificate before the handler runs", async () => {
  const s = await start(POLICIES);
  try {
    const controllerRole = await s.pki.issue("controller", "other");
    await assert.rejects(
      call(s.port, RENEW, new SvidSource(s.pki.caPem, controllerRole)),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.PERMISSION_DENIED &&
        e.details === 'unexpected SPIFFE role: expected connector or tunneler, got "controller"',
    );
    await assert.rejects(
      call(s.port, RENEW, new SvidSource(s.pki.caPem)),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.UNAUTHENTICATED && e.details === "client certificate required",
    );
    assert.deepEqual(s.handled, []);
    assert.deepEqual(s.refusals.map((r) => [r.method, r.code, r.spiffeId]), [
      [RENEW, grpc.status.PERMISSION_DENIED, `spiffe://${TD}/controller/other`],
      [RENEW, grpc.status.UNAUTHENTICATED, undefined],
    ]);
  } finally {
    s.server.forceShutdown();
  }
});

Deno.test("roleInterceptor() refuses a method that has no policy", async () => {
  const s = await start({ [ENROLL]: { anyone: true } });
  try {
    const agent = await s.pki.issue("connector", "c9", { ipSans: ["10.0.0.9"] });
    await assert.rejects(
      call(s.port, RENEW, new SvidSource(s.pki.caPem, agent)),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.PERMISSION_DENIED && e.details === `method not allowed: ${RENEW}`,
    );
    assert.deepEqual(s.handled, []);
  } finally {
    s.server.forceShutdown();
  }
});
