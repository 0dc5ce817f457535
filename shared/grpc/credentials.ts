import {
  type ChannelCredentials,
  type ChannelOptions,
  experimental,
  type ServerCredentials,
} from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { type Authorizer, authorizeRole } from "../pki/authorize.ts";
import type { Role } from "../pki/spiffe_id.ts";
import { checkSvidIdentity, parseCertificate } from "../pki/verify.ts";
import { PeerVerificationError } from "../pki/refusal.ts";
import type { SvidSource } from "./svid_source.ts";
import { installHttp2Repairs } from "../repairs/mod.ts";

// Every gRPC server and client of Postern is built from this module's credentials and options:
// each builder installs the HTTP/2 repair (a no-op after the first), so it is in place before
// the first HTTP/2 session, in programs and in-process tests alike.

/**
 * Server credentials from a SvidSource: TLS with the source's SVID, client certificates
 * requested and chained to the bundle by the caller's own checks, but not required, because
 * Enroll must be reachable by an agent that has no certificate yet. Every other RPC checks the
 * peer itself (see `peer.ts`). New handshakes pick up `SvidSource.update()` at once.
 */
export function serverCredentials(source: SvidSource): ServerCredentials {
  installHttp2Repairs();
  // grpc-js passes the first argument on as the identity provider; one source serves both.
  return experimental.createCertificateProviderServerCredentials(source, source, false);
}

/** What a client expects of the server it dials. */
export interface ExpectedServer {
  trustDomain: string;
  /** The role the server's SPIFFE ID must carry; default "controller". */
  role?: Role;
  /**
   * Told each typed refusal of the server's identity (grpc-js passes on only its text), so that
   * the caller can name its failure mode (2.3). Default: none.
   */
  onRefusal?: (refusal: PeerVerificationError) => void;
}

/**
 * Channel credentials from a SvidSource (with or without an SVID of its own): the server's chain
 * must verify against the source's bundle, and its certificate must hold exactly one SPIFFE ID
 * `spiffe://<trustDomain>/<role>/<id>`. Host names are not checked: the SPIFFE ID is the identity
 * (and Deno's node:tls refuses an IP as servername, see channelOptions()).
 */
export function channelCredentials(source: SvidSource, expected: ExpectedServer): ChannelCredentials {
  installHttp2Repairs();
  const role = expected.role ?? "controller";
  return experimental.createCertificateProviderChannelCredentials(source, source.svid ? source : null, {
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const refusal = checkServerCertificate(cert, expected.trustDomain, authorizeRole(role));
      if (refusal) expected.onRefusal?.(refusal);
      return refusal;
    },
  });
}

/** The SNI name sent to servers: any fixed name works, since identity is checked by SPIFFE ID. */
export const TLS_SERVER_NAME = "postern";

/**
 * How often a client pings its controller over HTTP/2, and how long it waits for the answer: a
 * stalled, black-holed or half-open connection is detected within their sum (15 s) and the agent
 * reconnects (to the next controller of CONTROLLER_ADDR) with its jittered backoff.
 */
export const CLIENT_KEEPALIVE = { timeMs: 10_000, timeoutMs: 5_000 } as const;

/** Channel options every Postern client uses: the servername override and keepalives. */
export function channelOptions(): ChannelOptions {
  installHttp2Repairs();
  return {
    "grpc.ssl_target_name_override": TLS_SERVER_NAME,
    "grpc.default_authority": TLS_SERVER_NAME,
    "grpc.keepalive_time_ms": CLIENT_KEEPALIVE.timeMs,
    "grpc.keepalive_timeout_ms": CLIENT_KEEPALIVE.timeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.initial_reconnect_backoff_ms": 500,
    "grpc.max_reconnect_backoff_ms": 5_000,
  };
}

/**
 * Largest gRPC message a Postern server accepts from a client (an Enroll or Renew request, one
 * control-plane message): a few KiB in practice; a larger one fails that call with
 * RESOURCE_EXHAUSTED before it is buffered further (grpc-js allows 4 MiB by default).
 */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/** Server options that accept the clients' keepalive pings and bound their messages. */
export function serverOptions(): ChannelOptions {
  installHttp2Repairs();
  return {
    "grpc.max_receive_message_length": MAX_CLIENT_MESSAGE_BYTES,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
  };
}

/**
 * The identity check of a server certificate that TLS has already chained to the bundle (a
 * `checkServerIdentity` callback): SPIFFE ID, trust domain and SVID profile
 * (`checkSvidIdentity`), then `authorize`. Returns the typed refusal, or undefined when the
 * server is acceptable.
 */
export function checkServerCertificate(
  cert: PeerCertificate,
  trustDomain: string,
  authorize: Authorizer,
): PeerVerificationError | undefined {
  try {
    const raw = cert.raw;
    if (!raw || raw.length === 0) {
      throw new PeerVerificationError(
        "no_certificate",
        "x509: certificate signed by unknown authority (peer sent no certificate)",
      );
    }
    authorize(checkSvidIdentity(parseCertificate(new Uint8Array(raw)), trustDomain));
    return undefined;
  } catch (e) {
    if (e instanceof PeerVerificationError) return e;
    return new PeerVerificationError("invalid_certificate", (e as Error).message);
  }
}
