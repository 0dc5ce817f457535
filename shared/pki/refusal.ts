/**
 * The typed refusal of a peer: every identity check (verify, then authorize) throws a
 * {@link PeerVerificationError} carrying a machine-readable `reason` and, where the refusal is one
 * of the documented failure modes, its id (`failureMode`). Each layer (gRPC status, connector
 * listener, tunneler dialer, doctor) maps these fields to its own code or message; none reads the
 * message text, so rewording a message never changes behaviour.
 * @module
 */
import type { FailureModeId } from "../failure_modes/catalogue.ts";
import { withFailureMode } from "../failure_modes/format.ts";

/** Why a peer is refused. */
export type RefusalReason =
  /** The peer presented no certificate. */
  | "no_certificate"
  /** The certificate cannot be parsed. */
  | "invalid_certificate"
  /** Outside the leaf's validity period (expired or not yet valid). */
  | "expired"
  /** The leaf is not issued by a CA of the bundle (or came with intermediates). */
  | "unknown_authority"
  /** The leaf breaks the SVID profile: a CA, or without the key usages of its role. */
  | "invalid_svid"
  /** The leaf holds no SPIFFE ID, several, or an unparsable one. */
  | "invalid_spiffe_id"
  /** The SPIFFE ID is of another trust domain. */
  | "trust_domain_mismatch"
  /** The SPIFFE ID's role is not the one expected. */
  | "unexpected_role"
  /** The SPIFFE ID is not the one (or one of the set) expected. */
  | "unexpected_id"
  /** The dialled IP is not an IP SAN of a leaf that has none. */
  | "ip_san_missing"
  /** The dialled IP is not among the leaf's IP SANs. */
  | "ip_san_mismatch"
  /** The controller has not allowed this tunneler on this connector. */
  | "not_allowed";

/** The failure mode (see docs/failure-modes.md) of each reason, where one applies. */
const FAILURE_MODES: Readonly<Record<RefusalReason, FailureModeId | undefined>> = {
  no_certificate: "2.1",
  invalid_certificate: undefined,
  expired: undefined,
  unknown_authority: "2.1",
  invalid_svid: undefined,
  invalid_spiffe_id: "2.3",
  trust_domain_mismatch: "2.3",
  unexpected_role: "2.3",
  unexpected_id: "2.3",
  ip_san_missing: "2.2",
  ip_san_mismatch: "2.2",
  not_allowed: "3.3",
};

/** The failure-mode id of `reason` (e.g. `"2.1"`), or undefined when none documents it. */
export function failureModeOf(reason: RefusalReason): FailureModeId | undefined {
  return FAILURE_MODES[reason];
}

/**
 * A peer that must be refused: `reason` and `failureMode` say what to do about it, `message`
 * (the contract's text, e.g. `x509: certificate signed by unknown authority`) is for people.
 */
export class PeerVerificationError extends Error {
  /** Why the peer is refused. */
  readonly reason: RefusalReason;
  /** The failure-mode id, e.g. `"2.2"`; undefined when no documented mode applies. */
  readonly failureMode: FailureModeId | undefined;

  /**
   * @param reason why the peer is refused
   * @param message the contract's text for it
   */
  constructor(reason: RefusalReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PeerVerificationError";
    this.reason = reason;
    this.failureMode = failureModeOf(reason);
  }
}

/** `[2.1] message` when the refusal has a failure mode, else the message alone (for logs). */
export function describeRefusal(e: PeerVerificationError): string {
  return withFailureMode(e.failureMode, e.message);
}
