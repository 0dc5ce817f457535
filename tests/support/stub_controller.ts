/**
 * A stand-in controller for renewal tests, and the stored identity an agent starts from: real
 * gRPC over real mTLS on loopback, whose `renew` signs with a CA of the test's choosing and names
 * the bundle the test chooses, so a test can make the controller lie in one precise way.
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { EnrollmentService } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";
import { serverCredentials, serverOptions } from "../../shared/grpc/credentials.ts";
import { SvidSource } from "../../shared/grpc/svid_source.ts";
import type { CertificateAuthority } from "../../shared/pki/ca.ts";
import { issueSvid } from "../../shared/pki/issue.ts";
import type { Svid } from "../../shared/pki/svid.ts";
import type { TestPki } from "../../shared/pki/testing.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { freePort } from "./ports.ts";

/** What {@link startRenewalStub} is told. */
export interface RenewalStubOptions {
  /** The CA whose certificate the stub serves TLS with (the one the agent trusts). */
  tls: TestPki;
  /** The CA that signs renewed certificates. */
  signer: CertificateAuthority;
  /** The trust bundle the renewal response names. */
  bundlePem: string[];
  /** SPIFFE id of the renewed certificate. Default the tunneler `t1`. */
  spiffeId?: string;
}

/** A running {@link startRenewalStub}. */
export interface RenewalStub {
  /** The loopback port it listens on. */
  port: number;
  /** How many renewals reached it. */
  renewals(): number;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Starts a controller stand-in on 127.0.0.1 whose `enroll` is unimplemented and whose `renew`
 * signs the CSR with `signer` for one minute and answers with `bundlePem`.
 */
export async function startRenewalStub(o: RenewalStubOptions): Promise<RenewalStub> {
  const spiffeId = o.spiffeId ?? "spiffe://postern.internal/tunneler/t1";
  const controllerSvid = await o.tls.issue("controller", "stub", { ipSans: ["127.0.0.1"] });
  const source = new SvidSource(o.tls.bundle.toPem(), {
    certPem: controllerSvid.certPem,
    keyPem: controllerSvid.keyPem,
  });
  let renewals = 0;
  const server = new grpc.Server(serverOptions());
  server.addService(EnrollmentService, {
    enroll: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: "not here" }),
    renew: async (
      call: grpc.ServerUnaryCall<{ csrPem: string }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      renewals++;
      const issued = await issueSvid(o.signer, { csrPem: call.request.csrPem, spiffeId, ttlMs: 60_000 });
      cb(null, {
        svid: {
          spiffeId,
          certificatePem: issued.certPem,
          trustBundlePem: o.bundlePem,
          notAfterUnixMs: issued.notAfter.getTime(),
        },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials(source), (e, p) => (e ? reject(e) : resolve(p)))
  );
  return {
    port,
    renewals: () => renewals,
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
}

/**
 * Stores `svid` with the bundle of `pki` in `stateDir`, as enrollment would have, and returns the
 * store. The role and id come from the certificate's SPIFFE id.
 */
export async function storeIdentity(stateDir: string, pki: TestPki, svid: Svid): Promise<IdentityStore> {
  const { role, id, trustDomain, uri } = svid.spiffeId;
  if (role === "controller") throw new Error(`storeIdentity: ${uri} is not an agent`);
  const store = new IdentityStore(stateDir);
  await store.save({
    svid,
    bundle: pki.bundle,
    meta: { spiffe_id: uri, role, id, trust_domain: trustDomain, enrolled_at: new Date().toISOString() },
  });
  return store;
}

/** What {@link prepareTunneler} made. */
export interface PreparedTunneler {
  /** The stored certificate. */
  svid: Svid;
  /** Its store, under `<dir>/tunneler`. */
  store: IdentityStore;
  /** The environment of `postern-tunneler run` toward the controller and a connector no one serves. */
  env: Record<string, string>;
}

/**
 * Enrolls tunneler `t1` by hand under `dir`: a certificate of `pki` (lifetime `ttlMs`, default an
 * hour) and its bundle in `<dir>/tunneler`, `pki`'s CA as `<dir>/ca.crt` (CONTROLLER_CA_PATH), and
 * the environment that runs it against the controller on 127.0.0.1:`controllerPort`.
 */
export async function prepareTunneler(
  dir: string,
  pki: TestPki,
  controllerPort: number,
  ttlMs?: number,
): Promise<PreparedTunneler> {
  const svid = await pki.issue("tunneler", "t1", ttlMs === undefined ? {} : { ttlMs });
  const store = await storeIdentity(`${dir}/tunneler`, pki, svid);
  await Deno.writeTextFile(`${dir}/ca.crt`, pki.caPem);
  const env = {
    CONTROLLER_ADDR: `127.0.0.1:${controllerPort}`,
    TUNNELER_ID: "t1",
    CONTROLLER_CA_PATH: `${dir}/ca.crt`,
    CONNECTOR_ADDR: `c1@127.0.0.1:${freePort()}`,
    TUNNELER_STATE_DIR: store.dir,
  };
  return { svid, store, env };
}
