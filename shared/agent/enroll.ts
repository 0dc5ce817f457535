/**
 * Enrollment and renewal against the controller's Enrollment service. The key pair is
 * generated here and never leaves the host: only a CSR is sent. Every issued certificate is
 * checked before it is used: key match, SPIFFE ID, IP SAN (connectors), chain to the bundle
 * and a CA with keyCertSign.
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { EnrollmentService, type Svid as SvidMessage } from "../proto/gen/postern/v1/enrollment_pb.ts";
import { channelCredentials, channelOptions } from "../grpc/credentials.ts";
import { SvidSource } from "../grpc/svid_source.ts";
import { describeGrpcError } from "../grpc/tls_errors.ts";
import type { PeerVerificationError } from "../pki/refusal.ts";
import { createCsr } from "../pki/csr.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../pki/keys.ts";
import { type Svid, svidFromPem } from "../pki/svid.ts";
import { TrustBundle } from "../pki/bundle.ts";
import { verifySvid } from "../pki/verify.ts";
import { authorizeRole } from "../pki/authorize.ts";
import { x509 } from "../pki/mod.ts";
import { EnrollmentRefusedError } from "../config/config_error.ts";
import { NonRetryableError } from "./agent_loop.ts";
import { FailureModeError, failureModeOfError } from "../failure_modes/format.ts";
import { failureModeOfCall } from "../grpc/failure_mode.ts";
import { VERSION } from "../version.ts";
import type { AgentCredentials } from "./credentials.ts";
import { bundleToTrust } from "./trust_policy.ts";
import { unaryCall } from "../grpc/unary.ts";

/**
 * A call that found no controller to answer it (UNAVAILABLE or DEADLINE_EXCEEDED, no failure mode
 * of its own): the next controller of CONTROLLER_ADDR may answer, and the outage budget runs.
 */
export class ControllerUnreachableError extends Error {
  override name = "ControllerUnreachableError";
}

/** Whether a failed call's code says no controller answered. */
function unreachable(code: number | undefined): boolean {
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

/** The Enrollment client class (ts-proto generates the service definition only). */
export const EnrollmentClient = grpc.makeGenericClientConstructor(EnrollmentService, "postern.v1.Enrollment");

/** What an agent expects its certificate to say. */
export interface ExpectedIdentity {
  trustDomain: string;
  role: "connector" | "tunneler";
  id: string;
  /** Connectors: the IP SAN the certificate must carry. */
  privateIp?: string;
}

/** Options of {@link enroll}. */
export interface EnrollOptions extends ExpectedIdentity {
  /** `host:port` of the controller. */
  controllerAddr: string;
  /** CAs that authenticate the controller (CONTROLLER_CA_PATH). */
  controllerCa: TrustBundle;
  token: string;
  /** Deadline of the call in ms; default 15 000. */
  timeoutMs?: number;
}

/**
 * Checks an issued certificate: it matches our key, names the expected SPIFFE ID, carries the
 * private IP (connectors), chains to `bundle`, and the anchoring CA has keyCertSign. Returns the
 * SVID and the fingerprint of that CA (`issuer`).
 *
 * @throws {Error} naming the problem
 */
export async function checkIssued(
  certPem: string,
  keyPem: string,
  bundle: TrustBundle,
  expected: ExpectedIdentity,
): Promise<{ svid: Svid; issuer: string }> {
  const svid = await svidFromPem(certPem, keyPem);
  const want = `spiffe://${expected.trustDomain}/${expected.role}/${expected.id}`;
  if (svid.spiffeId.uri !== want) {
    throw new Error(`issued certificate names "${svid.spiffeId.uri}", expected "${want}"`);
  }
  const peer = await verifySvid(certPem, bundle, {
    trustDomain: expected.trustDomain,
    authorize: authorizeRole(expected.role),
    ...(expected.privateIp ? { dialedIp: expected.privateIp } : {}),
  });
  const anchor = bundle.certificates.find((_c, i) => bundle.fingerprints()[i] === peer.issuerFingerprint);
  const ku = anchor?.getExtension(x509.KeyUsagesExtension);
  if (!anchor || !ku || (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new FailureModeError("1.5", "CA certificate missing key usage: the issuing CA lacks keyCertSign");
  }
  return { svid, issuer: peer.issuerFingerprint };
}

function bundleOf(msg: SvidMessage | undefined): TrustBundle {
  if (!msg || msg.trustBundlePem.length === 0) throw new Error("controller returned no trust bundle");
  return TrustBundle.fromPem(msg.trustBundlePem.join("\n"));
}

/**
 * Enrolls with a one-time token.
 *
 * @throws {EnrollmentRefusedError} `invalid enrollment token` when the controller refuses
 */
export async function enroll(opts: EnrollOptions): Promise<{ svid: Svid; bundle: TrustBundle }> {
  const keys = await generateKeyPair();
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  const source = new SvidSource(opts.controllerCa.toPem());
  let refused: PeerVerificationError | undefined;
  const client = new EnrollmentClient(
    opts.controllerAddr,
    channelCredentials(source, { trustDomain: opts.trustDomain, onRefusal: (r) => refused = r }),
    channelOptions(),
  );
  try {
    // deno-lint-ignore no-explicit-any
    let res: any;
    try {
      res = await unaryCall(client, "enroll", {
        token: opts.token,
        role: opts.role,
        id: opts.id,
        csrPem: await createCsr(keys),
        privateIp: opts.privateIp ?? "",
        version: VERSION,
      }, opts.timeoutMs ?? 15_000);
    } catch (err) {
      const code = (err as grpc.ServiceError).code;
      const msg = describeGrpcError(err);
      if (code === grpc.status.PERMISSION_DENIED || code === grpc.status.UNAUTHENTICATED) {
        throw new EnrollmentRefusedError(
          `invalid enrollment token: the controller refused the enrollment (${msg}); create a new token with POST /api/admin/tokens and set ENROLLMENT_TOKEN`,
          { failureMode: "1.2" },
        );
      }
      if (code === grpc.status.ALREADY_EXISTS) {
        throw new EnrollmentRefusedError(
          `enrollment refused: ${msg}; revoke the old identity or pick another id`,
        );
      }
      const id = failureModeOfCall(err, refused);
      const text = refused?.failureMode === id && refused ? refused.message : msg;
      if (id) throw new FailureModeError(id, `${text} (enrollment failed)`);
      if (unreachable(code)) throw new ControllerUnreachableError(`enrollment failed: ${msg}`);
      throw new Error(`enrollment failed: ${msg}`);
    }
    try {
      const offered = bundleOf(res.svid);
      const { svid, issuer } = await checkIssued(res.svid.certificatePem, keyPem, offered, opts);
      return { svid, bundle: bundleToTrust({ source: "enroll", bundle: offered, issuer }) };
    } catch (e) {
      const id = failureModeOfError(e);
      const message = (e as Error).message;
      if (id) throw new FailureModeError(id, `${message} (enrollment failed)`, { cause: e });
      throw new Error(`enrollment failed: ${message}`);
    }
  } finally {
    client.close();
  }
}

/** Options of {@link renew}. */
export interface RenewOptions extends ExpectedIdentity {
  controllerAddr: string;
  timeoutMs?: number;
}

/**
 * Renews with the current credentials. The new certificate must chain to the agent's CURRENT
 * bundle (failure mode 4.2: `internal CA mismatch during renewal`); the bundle of the response
 * replaces the current one (a retired CA leaves) and must hold the CA that issued the new
 * certificate (see trust_policy.ts). Nothing is swapped here.
 *
 * @throws {NonRetryableError} when the controller says the identity is revoked
 */
export async function renew(
  creds: AgentCredentials,
  opts: RenewOptions,
): Promise<{ svid: Svid; bundle: TrustBundle }> {
  const keys = await generateKeyPair();
  const keyPem = await exportPrivateKeyPem(keys.privateKey);
  let refused: PeerVerificationError | undefined;
  const client = new EnrollmentClient(
    opts.controllerAddr,
    channelCredentials(creds.source, { trustDomain: opts.trustDomain, onRefusal: (r) => refused = r }),
    channelOptions(),
  );
  try {
    // deno-lint-ignore no-explicit-any
    let res: any;
    try {
      res = await unaryCall(
        client,
        "renew",
        { csrPem: await createCsr(keys), version: VERSION },
        opts.timeoutMs ?? 15_000,
      );
    } catch (err) {
      const code = (err as grpc.ServiceError).code;
      const msg = describeGrpcError(err);
      // The controller names the failure mode of its refusal (4.2: it does not trust our CA).
      const id = failureModeOfCall(err, refused);
      if (code === grpc.status.PERMISSION_DENIED) {
        throw new NonRetryableError(
          id
            ? `${msg}: renewal refused (${creds.svid.spiffeId.uri})`
            : `renewal refused (${creds.svid.spiffeId.uri}): ${msg}`,
          id ? { failureMode: id } : {},
        );
      }
      if (id) throw new FailureModeError(id, `${msg} (renewal failed)`);
      if (unreachable(code)) throw new ControllerUnreachableError(`renewal failed: ${msg}`);
      throw new Error(`renewal failed: ${msg}`);
    }
    const offered = bundleOf(res.svid);
    const current = creds.bundle;
    let issued: { svid: Svid; issuer: string };
    try {
      issued = await checkIssued(res.svid.certificatePem, keyPem, current, opts);
    } catch (e) {
      throw new FailureModeError(
        "4.2",
        `internal CA mismatch during renewal: the new certificate does not chain to the trusted CAs (${
          (e as Error).message
        }); keeping the current certificate`,
      );
    }
    try {
      const bundle = bundleToTrust({ source: "renew", bundle: offered, issuer: issued.issuer, current });
      return { svid: issued.svid, bundle };
    } catch (e) {
      throw new Error(`renewal refused: ${(e as Error).message}; keeping the current certificate`);
    }
  } finally {
    client.close();
  }
}
