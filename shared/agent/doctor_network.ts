/**
 * The checks of `doctor` that need the network: can the agent reach the controller and does the
 * controller present the identity it must (2.1, 2.3, 3.2); for tunnelers, does the connector
 * present the dialed IP (2.2) and admit this tunneler (3.3). Each dial is bounded in time.
 * @module
 */
import tls from "node:tls";
import { checkSpiffeSan, TLS_SERVER_NAME } from "../grpc/credentials.ts";
import { explainTlsError } from "../grpc/tls_errors.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import type { Role } from "../pki/spiffe_id.ts";
import { parseHostPort } from "../config/env.ts";
import { verifyTlsPeer } from "./peer.ts";
import type { Finding } from "./doctor.ts";

const DIAL_TIMEOUT_MS = 5_000;

/** Names the failure mode of a refused or failed dial. */
function findingFor(what: string, message: string, remedies: Record<string, string>): Finding {
  const explained = explainTlsError(message);
  const id = /unknown authority/.test(explained)
    ? "2.1"
    : /IP SANs|is valid for/.test(explained)
    ? "2.2"
    : /trust domain mismatch|unexpected SPIFFE role|no valid SPIFFE ID/.test(explained)
    ? "2.3"
    : "3.2";
  return { ok: false, id, what: `${what}: ${explained}`, remedy: remedies[id] ?? remedies["3.2"]! };
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
        return checkSpiffeSan(cert.subjectaltname ?? "", trustDomain, "controller");
      },
    });
    socket.destroy();
    return { ok: true, id: "2.1", what: `${what} presents ${presented}, trusted by the bundle`, remedy: "" };
  } catch (e) {
    return findingFor(what, (e as Error).message, {
      "2.1": "CONTROLLER_CA_PATH must hold the CA of this controller (its ca.crt)",
      "2.3": "use the controller's TRUST_DOMAIN, and point CONTROLLER_ADDR at the controller",
      "3.2": "start the controller, or fix CONTROLLER_ADDR and the firewall between agent and controller",
    });
  }
}

/** 2.2 / 2.1 / 2.3: the connector at `address` presents `spiffe://<td>/connector/*` with the dialed IP. */
export async function checkConnectorIdentity(
  address: string,
  bundle: TrustBundle,
  trustDomain: string,
): Promise<Finding> {
  const what = `connector at ${address}`;
  const { hostname } = parseHostPort(address);
  try {
    const socket = await handshake(address, { rejectUnauthorized: false });
    try {
      const peer = await verifyTlsPeer(socket, bundle, {
        trustDomain,
        role: "connector" satisfies Role,
        dialedIp: hostname,
      });
      return {
        ok: true,
        id: "2.2",
        what: `${what} presents ${peer.spiffeId.uri} with IP SAN ${hostname}`,
        remedy: "",
      };
    } finally {
      socket.destroy();
    }
  } catch (e) {
    return findingFor(what, (e as Error).message, {
      "2.1":
        "the connector's certificate does not chain to this tunneler's trust bundle: same controller CA?",
      "2.2":
        "set CONNECTOR_PRIVATE_IP on the connector to the address tunnelers dial, then re-enroll the connector",
      "2.3": "CONNECTOR_ADDR must point at a connector of this trust domain",
      "3.2": "start the connector, or fix CONNECTOR_ADDR and the firewall between tunneler and connector",
    });
  }
}
