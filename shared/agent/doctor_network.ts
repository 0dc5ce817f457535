/**
 * The checks of `doctor` that need the network: can the agent reach the controller and does the
 * controller present the identity it must (2.1, 2.3, 3.2); for tunnelers, does the connector
 * present the dialed IP (2.2) and admit this tunneler (3.3, with its stored identity). Each dial is
 * bounded in time.
 * @module
 */
import tls from "node:tls";
import { checkServerCertificate, TLS_SERVER_NAME } from "../grpc/credentials.ts";
import { tlsRefusal } from "../grpc/tls_errors.ts";
import { authorizeId, authorizeRole } from "../pki/authorize.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import { PeerVerificationError } from "../pki/refusal.ts";
import { formatSpiffeId } from "../pki/spiffe_id.ts";
import type { Svid } from "../pki/svid.ts";
import { formatHostPort, type HostPort, parseHostPort } from "../config/env.ts";
import { verifyTlsPeer } from "../dataplane/peer.ts";
import { encodeFrame, readMessage, TUNNELER_NOT_ALLOWED } from "../dataplane/framing.ts";
import { TunnelHello, TunnelReply } from "../proto/gen/postern/v1/tunnel_pb.ts";
import { VERSION } from "../version.ts";
import type { Finding } from "./doctor.ts";

const DIAL_TIMEOUT_MS = 5_000;

/** Names the failure mode of a refused or failed dial: a typed refusal's own, else 3.2 (unreachable). */
function findingFor(what: string, error: unknown, remedies: Record<string, string>): Finding {
  const message = (error as Error).message;
  const refusal = error instanceof PeerVerificationError ? error : tlsRefusal(message);
  const id = refusal?.failureMode ?? "3.2";
  const text = refusal?.message ?? message;
  return { ok: false, id, what: `${what}: ${text}`, remedy: remedies[id] ?? remedies["3.2"]! };
}

/** Opens a TLS connection (no client certificate) and resolves once the handshake is done. */
function handshake(
  address: string,
  options: tls.ConnectionOptions,
): Promise<tls.TLSSocket> {
  const { hostname, port } = parseHostPort(address);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname || "127.0.0.1", port, ...options });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${address} within ${DIAL_TIMEOUT_MS} ms`));
    }, DIAL_TIMEOUT_MS);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** 2.1 / 2.3 / 3.2: the controller answers at `address` as `spiffe://<td>/controller/*`, chained to `bundle`. */
export async function checkControllerReachable(
  address: string,
  bundle: TrustBundle,
  trustDomain: string,
): Promise<Finding> {
  const what = `controller at ${address}`;
  try {
    let presented = "";
    const socket = await handshake(address, {
      ca: bundle.toPem(),
      servername: TLS_SERVER_NAME,
      checkServerIdentity: (_host, cert) => {
        presented = /URI:(spiffe:\/\/\S+?)(,|$)/.exec(cert.subjectaltname ?? "")?.[1] ?? "";
        return checkServerCertificate(cert, trustDomain, authorizeRole("controller"));
      },
    });
    socket.destroy();
    return { ok: true, id: "2.1", what: `${what} presents ${presented}, trusted by the bundle`, remedy: "" };
  } catch (e) {
    return findingFor(what, e, {
      "2.1": "CONTROLLER_CA_PATH must hold the CA of this controller (its ca.crt)",
      "2.3": "use the controller's TRUST_DOMAIN, and point CONTROLLER_ADDR at the controller",
      "3.2": "start the controller, or fix CONTROLLER_ADDR and the firewall between agent and controller",
    });
  }
}

/**
 * A TLS connection to the connector `target` names, verified as the dialer verifies it (its pinned
 * SPIFFE ID and the dialed IP as an IP SAN); `svid` is presented when given.
 *
 * @throws {PeerVerificationError} when the peer is not that connector
 */
async function dialPinnedConnector(
  target: HostPort & { id: string },
  bundle: TrustBundle,
  trustDomain: string,
  svid?: Svid,
): Promise<{ socket: tls.TLSSocket; peer: Awaited<ReturnType<typeof verifyTlsPeer>> }> {
  const socket = await handshake(formatHostPort(target), {
    rejectUnauthorized: false,
    ...(svid ? { cert: svid.certPem, key: svid.keyPem } : {}),
  });
  try {
    const peer = await verifyTlsPeer(socket, bundle, {
      trustDomain,
      authorize: authorizeId(formatSpiffeId(trustDomain, "connector", target.id)),
      dialedIp: target.hostname,
    });
    return { socket, peer };
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

/**
 * 2.2 / 2.1 / 2.3: the connector at `target` presents exactly `spiffe://<td>/connector/<id>` with
 * the dialed IP. The connector refuses a client without a certificate in the handshake, so the
 * stored `svid` is presented when there is one.
 */
export async function checkConnectorIdentity(
  target: HostPort & { id: string },
  bundle: TrustBundle,
  trustDomain: string,
  svid?: Svid,
): Promise<Finding> {
  const address = formatHostPort(target);
  const what = `connector ${target.id} at ${address}`;
  try {
    const { socket, peer } = await dialPinnedConnector(target, bundle, trustDomain, svid);
    try {
      return {
        ok: true,
        id: "2.2",
        what: `${what} presents ${peer.spiffeId.uri} with IP SAN ${target.hostname}`,
        remedy: "",
      };
    } finally {
      socket.destroy();
    }
  } catch (e) {
    return findingFor(what, e, {
      "2.1":
        "the connector's certificate does not chain to this tunneler's trust bundle: same controller CA?",
      "2.2":
        "set CONNECTOR_PRIVATE_IP on the connector to the address tunnelers dial, then re-enroll the connector",
      "2.3":
        "CONNECTOR_ADDR must name the connector at that address (connector-id@ip:port) in this trust domain",
      "3.2": "start the connector, or fix CONNECTOR_ADDR and the firewall between tunneler and connector",
    });
  }
}

/**
 * 3.3: the connector at `target` admits this tunneler: the stored `svid` opens a heartbeat session
 * and the connector answers ok, or `tunneler not allowed` (FAIL 3.3). Nothing is sent before the
 * connector proved to be the one named (as the dialer checks it); its identity problems are
 * {@link checkConnectorIdentity}'s findings, here they only say that admission was not reached.
 */
export async function checkConnectorAdmits(
  target: HostPort & { id: string },
  bundle: TrustBundle,
  trustDomain: string,
  svid: Svid,
  tunnelerId: string,
): Promise<Finding> {
  const address = formatHostPort(target);
  const what = `connector ${target.id} at ${address}`;
  const allowRemedy =
    `allow it on the connector: postern-controller connectors allowlist ${target.id} --add ${tunnelerId}`;
  let socket: tls.TLSSocket | undefined;
  try {
    // Not a byte to a peer that is not the connector named (the same check as the dialer's).
    ({ socket } = await dialPinnedConnector(target, bundle, trustDomain, svid));
    socket.write(
      encodeFrame(TunnelHello.encode({ kind: { $case: "heartbeat", value: { version: VERSION } } }).finish()),
    );
    const reply = await readMessage(socket, TunnelReply, "tunnel reply", DIAL_TIMEOUT_MS);
    if (reply.ok) return { ok: true, id: "3.3", what: `${what} admits tunneler ${tunnelerId}`, remedy: "" };
    if (reply.error === TUNNELER_NOT_ALLOWED) {
      return {
        ok: false,
        id: "3.3",
        what: `${what}: ${TUNNELER_NOT_ALLOWED}: "${tunnelerId}"`,
        remedy: allowRemedy,
      };
    }
    return {
      ok: false,
      id: "3.3",
      what: `${what} refused this tunneler: ${reply.error}`,
      remedy: allowRemedy,
    };
  } catch (e) {
    return findingFor(`${what} (admission)`, e, {
      "2.1": "the connector does not trust this tunneler's certificate: enrolled with the same controller?",
      "2.2":
        "set CONNECTOR_PRIVATE_IP on the connector to the address tunnelers dial, then re-enroll the connector",
      "2.3":
        "CONNECTOR_ADDR must name the connector at that address (connector-id@ip:port) in this trust domain",
      "3.2": "start the connector, or fix CONNECTOR_ADDR and the firewall between tunneler and connector",
    });
  } finally {
    socket?.destroy();
  }
}

/**
 * Clock skew against the controller, as far as its certificate shows it: the controller's own SVID
 * is back-dated by a minute and renewed long before it expires, so a notBefore still in the future
 * means this host's clock is behind the controller's, and a notAfter already past means it is ahead.
 * Either breaks every certificate check (renewals look too early or too late: 4.1).
 */
export async function checkClockAgainstController(address: string, bundle: TrustBundle): Promise<Finding> {
  const what = `clock against the controller at ${address}`;
  let socket: tls.TLSSocket | undefined;
  try {
    socket = await handshake(address, {
      ca: bundle.toPem(),
      servername: TLS_SERVER_NAME,
      checkServerIdentity: () => undefined,
    });
    const cert = socket.getPeerCertificate();
    return clockFinding(what, Date.parse(cert.valid_from), Date.parse(cert.valid_to), Date.now());
  } catch (e) {
    return { ok: true, id: "clock", what: `${what}: not compared (${(e as Error).message})`, remedy: "" };
  } finally {
    socket?.destroy();
  }
}

/** The clock finding for a controller certificate valid from `notBefore` to `notAfter`, seen at `now`. */
export function clockFinding(what: string, notBefore: number, notAfter: number, now: number): Finding {
  const remedy = "synchronise this host's clock (NTP): certificates are checked against it";
  if (now < notBefore) {
    return {
      ok: false,
      id: "clock",
      what: `${what}: at least ${Math.ceil((notBefore - now) / 1000)} s behind`,
      remedy,
    };
  }
  if (now > notAfter) {
    return {
      ok: false,
      id: "clock",
      what: `${what}: at least ${Math.ceil((now - notAfter) / 1000)} s ahead`,
      remedy,
    };
  }
  return { ok: true, id: "clock", what: `${what}: within the controller certificate's validity`, remedy: "" };
}
