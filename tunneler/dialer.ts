/**
 * Dials the connector: mutual TLS with the tunneler's SVID, no servername (Deno's node:tls
 * refuses an IP there), the peer verified here: chain, exactly the pinned
 * `spiffe://<td>/connector/<connector-id>` of CONNECTOR_ADDR (another connector holding the same
 * IP is refused, 2.3), and the dialed IP as an IP SAN (failure mode 2.2). Then one TunnelHello,
 * one TunnelReply.
 * @module
 */
import tls from "node:tls";
import {
  encodeFrame,
  MalformedFrameError,
  readMessage,
  TUNNELER_NOT_ALLOWED,
} from "../shared/dataplane/framing.ts";
import type { FailureModeId } from "../shared/failure_modes/catalogue.ts";
import { FailureModeError } from "../shared/failure_modes/format.ts";
import { verifyTlsPeerCached } from "../shared/dataplane/peer.ts";
import { connectTls } from "../shared/repairs/mod.ts";
import { tlsRefusal } from "../shared/grpc/tls_errors.ts";
import type { AgentCredentials } from "../shared/agent/credentials.ts";
import { TunnelHello, TunnelReply } from "../shared/proto/gen/postern/v1/tunnel_pb.ts";
import type { VerifiedPeer } from "../shared/pki/verify.ts";
import { PeerVerificationError } from "../shared/pki/refusal.ts";
import { authorizeId } from "../shared/pki/authorize.ts";
import { formatSpiffeId } from "../shared/pki/spiffe_id.ts";

/**
 * The connector refused the request; `reason` is what it said (e.g. `tunneler not allowed`). A
 * reply that refuses this tunneler itself (TUNNELER_NOT_ALLOWED) carries the typed refusal of
 * shared/pki/refusal.ts as `refusal` (reason `not_allowed`, failure mode 3.3) and as its cause;
 * other refusals (a resource, a closed connection) carry none.
 */
export class TunnelRefusedError extends Error {
  override name = "TunnelRefusedError";
  /** The typed refusal when the connector does not admit this tunneler; undefined otherwise. */
  readonly refusal: PeerVerificationError | undefined;
  constructor(readonly reason: string) {
    const refusal = reason === TUNNELER_NOT_ALLOWED
      ? new PeerVerificationError("not_allowed", reason)
      : undefined;
    super(reason, refusal ? { cause: refusal } : {});
    this.refusal = refusal;
  }

  /** The refusal's failure mode (3.3 for `tunneler not allowed`), read by failureModeOfError(). */
  get failureMode(): FailureModeId | undefined {
    return this.refusal?.failureMode;
  }
}

const CLOSED = "connector closed the connection (it may not trust our certificate)";

/** Where and how to dial. */
export interface DialOptions {
  creds: AgentCredentials;
  trustDomain: string;
  /** The connector's id (CONNECTOR_ADDR `connector-id@`): the only connector accepted. */
  connectorId: string;
  /** The connector's IP (CONNECTOR_ADDR host). */
  host: string;
  port: number;
  /** Handshake plus reply deadline; default 10 000 ms. */
  timeoutMs?: number;
}

/**
 * Opens one TLS connection to the connector and sends `hello`. Resolves with the socket
 * (paused, bytes after the reply kept for the reader) once the connector accepted.
 *
 * @throws {PeerVerificationError} when the connector's certificate is refused
 * @throws {TunnelRefusedError} when the connector refuses us or the request
 */
export function dialConnector(
  opts: DialOptions,
  hello: TunnelHello,
): Promise<{ socket: tls.TLSSocket; peer: VerifiedPeer }> {
  return new Promise((resolve, reject) => {
    const { svid } = opts.creds;
    const socket = connectTls({
      host: opts.host,
      port: opts.port,
      cert: svid.certPem,
      key: svid.keyPem,
      rejectUnauthorized: false,
      allowHalfOpen: true,
    } as tls.ConnectionOptions);
    socket.setNoDelay(true);
    const timer = setTimeout(
      () => fail(new Error(`connector ${opts.host}:${opts.port} did not answer in time`)),
      opts.timeoutMs ?? 10_000,
    );
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    // A TLS alert here is the connector refusing our certificate in the handshake (e.g. UnknownCA).
    socket.once(
      "error",
      (e: Error) => {
        const refusal = tlsRefusal(e.message);
        fail(
          refusal?.failureMode
            ? new FailureModeError(
              refusal.failureMode,
              `${refusal.message} (connector ${opts.host}:${opts.port})`,
            )
            : new Error(`connector ${opts.host}:${opts.port}: ${refusal?.message ?? e.message}`),
        );
      },
    );
    // A bare close before the reply (the connector refused our certificate after the TLS 1.3
    // handshake had completed on our side) may come while we still verify the connector, before
    // readFrame() listens: without this the dial would wait for its timeout.
    const onClose = () => fail(new TunnelRefusedError(CLOSED));
    socket.once("close", onClose);
    socket.once("end", onClose);
    socket.once("secureConnect", async () => {
      try {
        // Tunnels may reuse a recent verification of the same certificate; the heartbeat
        // session always checks in full (and refreshes the cache).
        const peer = await verifyTlsPeerCached(socket, opts.creds.bundle, {
          trustDomain: opts.trustDomain,
          authorize: authorizeId(formatSpiffeId(opts.trustDomain, "connector", opts.connectorId)),
          dialedIp: opts.host,
        }, hello.kind?.$case === "open");
        socket.write(encodeFrame(TunnelHello.encode(hello).finish()));
        // From here readFrame() sees the end itself, after any refusal the connector sent first.
        socket.off("end", onClose);
        let reply: TunnelReply;
        try {
          reply = await readMessage(socket, TunnelReply, "tunnel reply", opts.timeoutMs ?? 10_000);
        } catch (e) {
          if (e instanceof MalformedFrameError) {
            throw new Error(`connector ${opts.host}:${opts.port} sent a ${e.message}`);
          }
          // A bare close right after the handshake: the connector refused our certificate.
          throw new TunnelRefusedError(
            `connector closed the connection (it may not trust our certificate: ${(e as Error).message})`,
          );
        }
        if (!reply.ok) throw new TunnelRefusedError(reply.error || "refused");
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners("error");
        socket.off("close", onClose);
        resolve({ socket, peer });
      } catch (e) {
        fail(e as Error);
      }
    });
  });
}
