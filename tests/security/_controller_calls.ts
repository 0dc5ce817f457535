/**
 * Raw gRPC calls to a controller process, as any caller (a forger included) could make them:
 * Enroll with any fields, Renew and Connect with any client certificate.
 * @module
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { channelCredentials, channelOptions } from "../../shared/grpc/credentials.ts";
import { type SvidPem, SvidSource } from "../../shared/grpc/svid_source.ts";
import { EnrollmentClient } from "../../shared/agent/enroll.ts";
import { unaryCall } from "../../shared/grpc/unary.ts";
import { createCsr, generateKeyPair, x509 } from "../../shared/pki/mod.ts";
import { selfSigned } from "../../shared/pki/testing.ts";
import { ControlPlaneService } from "../../shared/proto/gen/postern/v1/control_plane_pb.ts";
import type { EnrollRequest, Svid } from "../../shared/proto/gen/postern/v1/enrollment_pb.ts";

const ControlPlaneClient = grpc.makeGenericClientConstructor(ControlPlaneService, "ControlPlane");

/** A gRPC refusal as the caller sees it. */
export interface CallError {
  code: grpc.status;
  details: string;
}

function credentials(caPem: string, svid?: SvidPem): grpc.ChannelCredentials {
  return channelCredentials(new SvidSource(caPem, svid), { trustDomain: "postern.internal" });
}

function unary<T>(client: grpc.Client, method: string, req: unknown): Promise<T> {
  return unaryCall<T>(client, method, req, 15_000);
}

/** Calls `fn`; resolves with its refusal, or throws when it succeeded. */
export async function refusalOf(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (e) {
    const err = e as grpc.ServiceError;
    return { code: err.code, details: err.details };
  }
  assert.fail("expected the call to be refused, but it succeeded");
}

/** A client of one controller: `grpcAddr` (`127.0.0.1:port`) authenticated by `caPem`. */
export class ControllerCalls {
  readonly #addr: string;
  readonly #caPem: string;
  readonly #enrollClient: grpc.Client;

  constructor(grpcAddr: string, caPem: string) {
    this.#addr = grpcAddr;
    this.#caPem = caPem;
    this.#enrollClient = new EnrollmentClient(grpcAddr, credentials(caPem), channelOptions());
  }

  /** Enroll with exactly these fields (defaults: a connector with a fresh CSR). */
  async enroll(req: Partial<EnrollRequest>): Promise<Svid> {
    const csrPem = req.csrPem ?? await createCsr(await generateKeyPair());
    const res = await unary<{ svid: Svid }>(this.#enrollClient, "enroll", {
      token: "",
      role: "connector",
      id: "c1",
      privateIp: "10.0.0.5",
      version: "test",
      ...req,
      csrPem,
    });
    return res.svid;
  }

  /** Renew presenting `svid` as the client certificate. */
  async renew(svid: SvidPem): Promise<Svid> {
    const client = new EnrollmentClient(this.#addr, credentials(this.#caPem, svid), channelOptions());
    try {
      const res = await unary<{ svid: Svid }>(client, "renew", {
        csrPem: await createCsr(await generateKeyPair()),
        version: "test",
      });
      return res.svid;
    } finally {
      client.close();
    }
  }

  /** Opens ControlPlane.Connect presenting `svid`; resolves with how the stream ended. */
  connect(svid: SvidPem): Promise<CallError> {
    const client = new ControlPlaneClient(this.#addr, credentials(this.#caPem, svid), channelOptions());
    // deno-lint-ignore no-explicit-any
    const stream = (client as any).connect() as grpc.ClientDuplexStream<unknown, unknown>;
    return new Promise<CallError>((resolve) => {
      const done = (s: { code: grpc.status; details: string }) => {
        client.close();
        resolve({ code: s.code, details: s.details });
      };
      stream.on("data", () => stream.cancel());
      stream.on("error", done);
      stream.on("status", done);
    });
  }

  close(): void {
    this.#enrollClient.close();
  }
}

/**
 * A self-signed certificate that claims `spiffeId`: the forger's own key, no CA of the
 * controller behind it.
 */
export function forgedSvid(spiffeId: string): Promise<SvidPem> {
  return selfSigned("forged", [
    new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }]),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([
      x509.ExtendedKeyUsage.clientAuth,
      x509.ExtendedKeyUsage.serverAuth,
    ]),
  ]);
}
