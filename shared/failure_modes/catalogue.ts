/**
 * The catalogue of Postern's failure modes: for each id (`1.3`) its title, symptom, severity with
 * the reason for it, a one-line remedy, its anchor in docs/failure-modes.md and the scenario test
 * that triggers it. The one place that knows the ids: messages, the `failure_mode` log field, the
 * `postern_failures_total{mode}` metric, events and the UI take them from here.
 * docs/failure-modes.md explains each at length; a test keeps both in agreement.
 * @module
 */

/** How bad a failure mode is. */
export type Severity =
  /** The controller or a whole fleet loses service (nothing enrolls, renews or connects). */
  | "critical"
  /** One agent or one path loses service; the rest keeps working. */
  | "major"
  /** Degraded or cosmetic: traffic keeps flowing, or it is the deny that was asked for. */
  | "minor";

/** One failure mode. */
export interface FailureMode {
  /** The id, e.g. `"1.3"`. */
  id: FailureModeId;
  /** Its title in docs/failure-modes.md, e.g. `Controller CA missing or invalid`. */
  title: string;
  /** The symptom text a program emits verbatim (after the bracketed id). */
  symptom: string;
  severity: Severity;
  /** One line: why this severity. */
  severityReason: string;
  /** One line: what to do (the doc has the steps). */
  remedy: string;
  /** The scenario test in tests/failure_modes/ that triggers it. */
  test: string;
}

/** The ids, in document order. */
export const FAILURE_MODE_IDS = [
  "1.1",
  "1.2",
  "1.3",
  "1.4",
  "1.5",
  "2.1",
  "2.2",
  "2.3",
  "3.1",
  "3.2",
  "3.3",
  "4.1",
  "4.2",
  "5.1",
  "5.2",
  "5.3",
  "6.1",
  "6.2",
] as const;

/** A failure-mode id. */
export type FailureModeId = typeof FAILURE_MODE_IDS[number];

/** True when `value` is one of the catalogue's ids. */
export function isFailureModeId(value: unknown): value is FailureModeId {
  return typeof value === "string" && (FAILURE_MODE_IDS as readonly string[]).includes(value);
}

type Entry = Omit<FailureMode, "id">;

const ENTRIES: Readonly<Record<FailureModeId, Entry>> = {
  "1.1": {
    title: "Missing enrollment token",
    symptom: "ENROLLMENT_TOKEN is required",
    severity: "major",
    severityReason: "that one agent does not start; everything already enrolled keeps working",
    remedy: "create a token for the agent's role and id and set ENROLLMENT_TOKEN in its environment file",
    test: "1_1_missing_enrollment_token_test.ts",
  },
  "1.2": {
    title: "Invalid or reused token",
    symptom: "invalid enrollment token",
    severity: "major",
    severityReason: "that one agent cannot enroll and exits 3 (systemd does not restart it)",
    remedy: "create a fresh single-use token for the right role (and id) and start the agent again",
    test: "1_2_invalid_or_reused_token_test.ts",
  },
  "1.3": {
    title: "Controller CA missing or invalid",
    symptom: "failed to read controller CA",
    severity: "critical",
    severityReason: "an invalid internal CA keeps the controller from starting: nothing enrolls or renews",
    remedy:
      "point CONTROLLER_CA_PATH (agents) or INTERNAL_CA_CERT_FILE/INTERNAL_CA_KEY_FILE (controller) at readable PEM files",
    test: "1_3_controller_ca_missing_or_invalid_test.ts",
  },
  "1.4": {
    title: "SPIFFE trust domain invalid",
    symptom: "invalid domain",
    severity: "critical",
    severityReason: "the program does not start, and the value is shared by every program of the deployment",
    remedy: "set TRUST_DOMAIN to a DNS name, the same on every program",
    test: "1_4_spiffe_trust_domain_invalid_test.ts",
  },
  "1.5": {
    title: "CA key usage missing",
    symptom: "CA certificate missing key usage",
    severity: "critical",
    severityReason: "the controller refuses to start with a CA that cannot sign certificates",
    remedy: "regenerate the CA with postern-controller init-ca (keyCertSign)",
    test: "1_5_ca_key_usage_missing_test.ts",
  },
  "2.1": {
    title: "Unknown authority",
    symptom: "x509: certificate signed by unknown authority",
    severity: "critical",
    severityReason: "no mTLS connection forms; a CA switched too early cuts off every agent at once",
    remedy: "give the agent the controller's ca.crt, and rotate CAs only as docs/ca-rotation.md says",
    test: "2_1_unknown_authority_test.ts",
  },
  "2.2": {
    title: "Missing IP SAN",
    symptom: "doesn't contain any IP SANs",
    severity: "major",
    severityReason: "tunnelers cannot reach that one connector; other connectors keep working",
    remedy: "set CONNECTOR_PRIVATE_IP on the connector to the address tunnelers dial and re-enroll it",
    test: "2_2_missing_ip_san_test.ts",
  },
  "2.3": {
    title: "SPIFFE ID mismatch",
    symptom: "SPIFFE trust domain mismatch",
    severity: "major",
    severityReason: "the mismatched peer is refused; correctly configured peers keep working",
    remedy: "use one TRUST_DOMAIN everywhere and point each address at a peer of the right role and id",
    test: "2_3_spiffe_id_mismatch_test.ts",
  },
  "3.1": {
    title: "Control plane stream resets",
    symptom: "control-plane stream connected",
    severity: "minor",
    severityReason: "agents reconnect with backoff and tunnels keep flowing; only status may flap",
    remedy:
      "a few around restarts are expected; continuous ones: check the network path and the controller's log",
    test: "3_1_control_plane_stream_resets_test.ts",
  },
  "3.2": {
    title: "Heartbeat failures",
    symptom: "OFFLINE",
    severity: "major",
    severityReason: "the agent receives no allowlist, revocation or trust-bundle changes while offline",
    remedy: "check that the agent runs, then its status, then the firewall towards the controller",
    test: "3_2_heartbeat_failures_test.ts",
  },
  "3.3": {
    title: "Tunneler not allowed",
    symptom: "tunneler not allowed",
    severity: "minor",
    severityReason:
      "the deny by default at work: one tunneler is refused until an allowlist or policy admits it",
    remedy: "add the tunneler to the connector's allowlist or grant it a resource by policy",
    test: "3_3_tunneler_not_allowed_test.ts",
  },
  "4.1": {
    title: "Renewal too late",
    symptom: "connection drops at expiry",
    severity: "critical",
    severityReason: "every agent that misses its renewal loses its identity at expiry",
    remedy: "keep the controller reachable for renewals; an agent past expiry renews within RENEW_GRACE",
    test: "4_1_renewal_too_late_test.ts",
  },
  "4.2": {
    title: "CA mismatch during renewal",
    symptom: "internal CA mismatch during renewal",
    severity: "critical",
    severityReason: "renewals fail across the fleet and agents expire",
    remedy: "put the new CA into the agents' trust bundle before it signs (docs/ca-rotation.md)",
    test: "4_2_ca_mismatch_during_renewal_test.ts",
  },
  "5.1": {
    title: "EnvironmentFile missing",
    symptom: "Failed to load environment files: No such file or directory",
    severity: "major",
    severityReason: "that one service does not start",
    remedy: "create /etc/postern/<program>.conf",
    test: "5_1_environment_file_missing_test.ts",
  },
  "5.2": {
    title: "Permission denied on CA file",
    symptom: "permission denied",
    severity: "major",
    severityReason: "that one service does not start",
    remedy: "hand the file over with LoadCredential= or make it readable by the service",
    test: "5_2_permission_denied_on_ca_file_test.ts",
  },
  "5.3": {
    title: "Admin HTTP port conflict",
    symptom: "bind: address already in use",
    severity: "critical",
    severityReason: "the controller exits: no enrollment, renewal or admin call",
    remedy: "stop the process holding the port or choose another ADMIN_HTTP_ADDR",
    test: "5_3_admin_http_port_conflict_test.ts",
  },
  "6.1": {
    title: "404 on /api/admin/* in the UI",
    symptom: "404 Not Found",
    severity: "minor",
    severityReason: "the UI cannot show that data; agents and tunnels are unaffected",
    remedy: "check the id in the request, and that the UI and the controller are the same version",
    test: "6_1_ui_admin_route_not_found_test.ts",
  },
  "6.2": {
    title: "Missing ADMIN_API_URL or ADMIN_AUTH_TOKEN",
    symptom: "ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured",
    severity: "minor",
    severityReason: "the UI does not start; agents and tunnels are unaffected",
    remedy: "set ADMIN_API_URL and ADMIN_AUTH_TOKEN in /etc/postern/ui.conf",
    test: "6_2_ui_admin_api_not_configured_test.ts",
  },
};

/** The failure mode of `id`. */
export function failureMode(id: FailureModeId): FailureMode {
  return { id, ...ENTRIES[id] };
}

/** Every failure mode, in document order. */
export function allFailureModes(): FailureMode[] {
  return FAILURE_MODE_IDS.map(failureMode);
}

/** The repository path of the document that explains each failure mode. */
export const FAILURE_MODES_DOC = "docs/failure-modes.md";

/** The anchor of `id`'s section in docs/failure-modes.md, e.g. `1-3` (the heading starts `1.3 `). */
export function docAnchor(id: FailureModeId): string {
  return id.replace(".", "-");
}
