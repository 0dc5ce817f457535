import "reflect-metadata";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { createCa } from "../pki/ca.ts";
import { createCsr } from "../pki/csr.ts";
import { issueSvid } from "../pki/issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../pki/keys.ts";
import { EnrollmentService, type EnrollResponse } from "../proto/gen/postern/v1/enrollment_pb.ts";
import {
  channelCredentials,
  checkServerCertificate,
  serverCredentials,
  serverOptions,
} from "./credentials.ts";
import { Buffer } from "node:buffer";
import type { PeerCertificate } from "node:tls";
import { authorizeRole } from "../pki/authorize.ts";
import { pemToDer } from "../pki/pem.ts";
import { peerCertificateDer } from "./peer.ts";
import { SvidSource } from "./svid_source.ts";
import { callForSpiffeId } from "./testing.ts";
import { explainTlsError } from "./tls_errors.ts";

const TD = "postern.internal";

async function svid(ca: Awaited<ReturnType<typeof createCa>>["ca"], uri: string) {
  const keys = await generateKeyPair();
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(keys),
    spiffeId: uri,
    ipSans: ["127.0.0.1"],
    ttlMs: 3_600_000,
  });
  return { certPem: issued.certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** A real grpc-js server on loopback that answers Enroll with the caller's certificate size. */
async function startServer(source: SvidSource) {
  const server = new grpc.Server(serverOptions());
  server.addService(EnrollmentService, {
    enroll: (
      call: grpc.ServerUnaryCall<unknown, EnrollResponse>,
      done: grpc.sendUnaryData<EnrollResponse>,
    ) => {
      const der = peerCertificateDer(call);
      done(null, {
        svid: {
          spiffeId: der ? `peer:${der.length}` : "anonymous",
          certificatePem: "",
          trustBundlePem: [],
          notAfterUnixMs: 0,
        },
      });
    },
    renew: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done({ code: grpc.status.UNIMPLEMENTED }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials(source), (e, p) => e ? reject(e) : resolve(p))
  );
  return { server, port };
}

Deno.test("serverCredentials() serves callers with and without a client certificate", async () => {
  const { ca, certPem: caPem } = await createCa();
  const source = new SvidSource(caPem, await svid(ca, `spiffe://${TD}/controller/c1`));
  const { server, port } = await startServer(source);
  try {
    const anonymous = await callForSpiffeId(
      port,
      channelCredentials(new SvidSource(caPem), { trustDomain: TD }),
    );
    assert.equal(anonymous, "anonymous");
    const agent = new SvidSource(caPem, await svid(ca, `spiffe://${TD}/connector/a1`));
    assert.match(await callForSpiffeId(port, channelCredentials(agent, { trustDomain: TD })), /^peer:\d+$/);
  } finally {
    server.forceShutdown();
  }
});

Deno.test("channelCredentials() refuses a server from another CA, another domain or role", async () => {
  const { ca, certPem: caPem } = await createCa();
  const { certPem: otherCaPem } = await createCa();
  const source = new SvidSource(caPem, await svid(ca, `spiffe://${TD}/connector/not-a-controller`));
  const { server, port } = await startServer(source);
  try {
    await assert.rejects(
      callForSpiffeId(port, channelCredentials(new SvidSource(otherCaPem), { trustDomain: TD })),
      (e: Error) => explainTlsError(e.message).startsWith("x509: certificate signed by unknown authority"),
    );
    await assert.rejects(
      callForSpiffeId(port, channelCredentials(new SvidSource(caPem), { trustDomain: TD })),
      /unexpected SPIFFE role: expected controller, got "connector"/,
    );
    await assert.rejects(
      callForSpiffeId(
        port,
        channelCredentials(new SvidSource(caPem), { trustDomain: "other.internal", role: "connector" }),
      ),
      /SPIFFE trust domain mismatch: expected "other.internal", got "postern.internal"/,
    );
  } finally {
    server.forceShutdown();
  }
});

Deno.test("SvidSource.update() makes new handshakes use the new server certificate", async () => {
  const { ca, certPem: caPem } = await createCa();
  const source = new SvidSource(caPem, await svid(ca, `spiffe://${TD}/connector/before`));
  const { server, port } = await startServer(source);
  try {
    const creds = () => channelCredentials(new SvidSource(caPem), { trustDomain: TD });
    await assert.rejects(callForSpiffeId(port, creds()), /unexpected SPIFFE role/);
    source.update({ svid: await svid(ca, `spiffe://${TD}/controller/after`) });
    assert.equal(await callForSpiffeId(port, creds()), "anonymous");
  } finally {
    server.forceShutdown();
  }
});

Deno.test("checkServerCertificate() runs the SVID checks and the authorizer on the server's leaf", async () => {
  const { ca } = await createCa();
  const cert = (pem: string) => ({ raw: Buffer.from(pemToDer(pem)) }) as unknown as PeerCertificate;
  const controller = cert((await svid(ca, `spiffe://${TD}/controller/x`)).certPem);
  assert.equal(checkServerCertificate(controller, TD, authorizeRole("controller")), undefined);
  const wrongRole = checkServerCertificate(controller, TD, authorizeRole("connector"));
  assert.equal(wrongRole?.reason, "unexpected_role");
  assert.equal(wrongRole?.message, `unexpected SPIFFE role: expected connector, got "controller"`);
  const wrongTd = checkServerCertificate(controller, "a.b", authorizeRole("controller"));
  assert.equal(wrongTd?.message, `SPIFFE trust domain mismatch: expected "a.b", got "${TD}"`);
  assert.equal(wrongTd?.failureMode, "2.3");
  const none = checkServerCertificate({} as PeerCertificate, TD, authorizeRole("controller"));
  assert.equal(none?.reason, "no_certificate");
});

Deno.test("explainTlsError() names the contract's failure for rustls and OpenSSL words", () => {
  assert.equal(
    explainTlsError("invalid peer certificate: UnknownIssuer"),
    "x509: certificate signed by unknown authority (invalid peer certificate: UnknownIssuer)",
  );
  assert.equal(
    explainTlsError("unable to get local issuer certificate"),
    "x509: certificate signed by unknown authority (unable to get local issuer certificate)",
  );
  assert.equal(explainTlsError("connection refused"), "connection refused");
});
