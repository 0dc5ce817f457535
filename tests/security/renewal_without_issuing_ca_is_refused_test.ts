/**
 * Attack surface: a renewal response whose bundle does not hold the CA that issued the new
 * certificate. Renewals used to add every CA a response named to what the agent trusted, so such a
 * response made the agent trust a CA that signed nothing it holds, and never let an old one go.
 * The renewed bundle now replaces the old one, so it must contain the issuing CA: otherwise the
 * whole renewal is refused and the agent keeps its certificate and bundle.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { EnrollmentService } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import { serverCredentials, serverOptions } from "../../shared/grpc/credentials.ts";
import { SvidSource } from "../../shared/grpc/svid_source.ts";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { issueSvid } from "../../shared/pki/issue.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";

Deno.test("a renewal whose bundle lacks the issuing CA is refused; certificate and bundle are kept", async () => {
  await using dir = await tempDir();
  // The "controller" is trusted (CA A) and signs the renewal with A, but names only CA B as the bundle.
  const a = await makeTestPki();
  const b = await makeTestPki();
  const controllerSvid = await a.issue("controller", "stub", { ipSans: ["127.0.0.1"] });
  const source = new SvidSource(a.bundle.toPem(), {
    certPem: controllerSvid.certPem,
    keyPem: controllerSvid.keyPem,
  });
  const server = new grpc.Server(serverOptions());
  server.addService(EnrollmentService, {
    enroll: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: "not here" }),
    renew: async (
      call: grpc.ServerUnaryCall<{ csrPem: string }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      const issued = await issueSvid(a.ca, {
        csrPem: call.request.csrPem,
        spiffeId: "spiffe://postern.internal/tunneler/t1",
        ttlMs: 60_000,
      });
      cb(null, {
        svid: {
          spiffeId: "spiffe://postern.internal/tunneler/t1",
          certificatePem: issued.certPem,
          trustBundlePem: [b.caPem],
          notAfterUnixMs: issued.notAfter.getTime(),
        },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials(source), (e, p) => (e ? reject(e) : resolve(p)))
  );
  const stateDir = `${dir.path}/tunneler`;
  const store = new IdentityStore(stateDir);
  const svid = await a.issue("tunneler", "t1", { ttlMs: 3_000 });
  await store.save({
    svid,
    bundle: a.bundle,
    meta: {
      spiffe_id: svid.spiffeId.uri,
      role: "tunneler",
      id: "t1",
      trust_domain: "postern.internal",
      enrolled_at: new Date().toISOString(),
    },
  });
  await Deno.writeTextFile(`${dir.path}/ca.crt`, a.caPem);
  const certBefore = (await store.load()).svid.certPem;
  const tunneler = startProgram("tunneler", {
    args: ["run"],
    env: {
      CONTROLLER_ADDR: `127.0.0.1:${port}`,
      TUNNELER_ID: "t1",
      CONTROLLER_CA_PATH: `${dir.path}/ca.crt`,
      CONNECTOR_ADDR: `c1@127.0.0.1:${freePort()}`,
      TUNNELER_STATE_DIR: stateDir,
    },
  });
  try {
    const line = await tunneler.waitForLine("certificate renewal failed", 15_000);
    assert.ok(
      line.includes(`renewal refused: the controller's trust bundle does not contain CA ${a.ca.fingerprint}`),
      line,
    );
    assert.ok(line.includes("keeping the current certificate"), line);
    assert.ok(
      !tunneler.lines.some((l) => l.includes("certificate renewed") || l.includes("trust bundle updated")),
    );
    assert.equal((await store.load()).svid.certPem, certBefore);
    assert.deepEqual((await store.load()).bundle.fingerprints(), a.bundle.fingerprints());
  } finally {
    await tunneler.stop();
    await new Promise<void>((r) => server.tryShutdown(() => r()));
  }
});
