import "reflect-metadata";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { createCa } from "../pki/ca.ts";
import { createCsr } from "../pki/csr.ts";
import { issueSvid } from "../pki/issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../pki/keys.ts";
import { parseCertificate } from "../pki/verify.ts";
import { EnrollmentService, type EnrollResponse } from "../proto/gen/postern/v1/enrollment_pb.ts";
import { channelCredentials, serverCredentials, serverOptions } from "./credentials.ts";
import { peerCertificateDer, presentedCertificateDer } from "./peer.ts";
import { SvidSource } from "./svid_source.ts";
import { callForSpiffeId } from "./testing.ts";

const TD = "postern.internal";
type Ca = Awaited<ReturnType<typeof createCa>>["ca"];

async function svid(ca: Ca, uri: string, o: { ttlMs?: number; now?: Date } = {}) {
  const keys = await generateKeyPair();
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(keys),
    spiffeId: uri,
    ttlMs: o.ttlMs ?? 3_600_000,
    ...(o.now ? { now: o.now } : {}),
  });
  return { certPem: issued.certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** A server whose Enroll answers "<verified serial>|<presented serial>" of the caller. */
async function startServer(source: SvidSource, interceptors: grpc.ServerInterceptor[] = []) {
  const server = new grpc.Server({ ...serverOptions(), interceptors });
  const serial = (der: Uint8Array | undefined) => der ? parseCertificate(der).serialNumber : "-";
  server.addService(EnrollmentService, {
    enroll: (
      call: grpc.ServerUnaryCall<unknown, EnrollResponse>,
      done: grpc.sendUnaryData<EnrollResponse>,
    ) => {
      const spiffeId = `${serial(peerCertificateDer(call))}|${serial(presentedCertificateDer(call))}`;
      done(null, { svid: { spiffeId, certificatePem: "", trustBundlePem: [], notAfterUnixMs: 0 } });
    },
    renew: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done({ code: grpc.status.UNIMPLEMENTED }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials(source), (e, p) => e ? reject(e) : resolve(p))
  );
  return { server, port };
}

function ask(port: number, caPem: string, client?: { certPem: string; keyPem: string }): Promise<string> {
  return callForSpiffeId(port, channelCredentials(new SvidSource(caPem, client), { trustDomain: TD }));
}

const passThrough: grpc.ServerInterceptor = (_desc, call) => new grpc.ServerInterceptingCall(call);

for (const [label, interceptors] of [["without", []], ["with two", [passThrough, passThrough]]] as const) {
  Deno.test(`presentedCertificateDer() returns expired and foreign certificates ${label} interceptors`, async () => {
    const { ca, certPem: caPem } = await createCa();
    const { ca: otherCa } = await createCa();
    const source = new SvidSource(caPem, await svid(ca, `spiffe://${TD}/controller/c1`));
    const { server, port } = await startServer(source, [...interceptors]);
    try {
      const serialOf = (c: { certPem: string }) => parseCertificate(c.certPem).serialNumber;
      const valid = await svid(ca, `spiffe://${TD}/connector/a1`);
      assert.equal(await ask(port, caPem, valid), `${serialOf(valid)}|${serialOf(valid)}`);
      assert.equal(await ask(port, caPem), "-|-");
      // Expired an hour ago: TLS does not verify it, yet it was presented. Ten in a row.
      for (let i = 0; i < 10; i++) {
        const expired = await svid(ca, `spiffe://${TD}/connector/a1`, {
          ttlMs: 1000,
          now: new Date(Date.now() - 3_600_000),
        });
        assert.equal(await ask(port, caPem, expired), `-|${serialOf(expired)}`);
      }
      const foreign = await svid(otherCa, `spiffe://${TD}/connector/a1`);
      assert.equal(await ask(port, caPem, foreign), `-|${serialOf(foreign)}`);
    } finally {
      server.forceShutdown();
    }
  });
}

Deno.test("presentedCertificateDer() throws when the call has no reachable TLS socket", () => {
  const call = { getAuthContext: () => ({}), call: { nextCall: { stream: {} } } };
  assert.throws(() => presentedCertificateDer(call), /grpc-js server call layout changed/);
});
