/**
 * The one place that decides what an agent does with a trust bundle someone offers it. Trust
 * comes from the controller only: the enroll and renew responses (the bundle REPLACES the old
 * one and must hold the CA that issued the new certificate) and, for connectors, the control
 * stream authenticated as the controller. A connector never changes what a tunneler trusts: a
 * HeartbeatAck is at most a hint to renew early from the controller.
 * @module
 */
import type { TrustBundle } from "../pki/bundle.ts";

/** A bundle offered to an agent, by where it came from. */
export type TrustOffer =
  /** The controller's Enroll response; `issuer` is the fingerprint of the CA that signed the certificate. */
  | { source: "enroll"; bundle: TrustBundle; issuer: string }
  /** The controller's Renew response; `current` is what the agent trusts now. */
  | { source: "renew"; bundle: TrustBundle; issuer: string; current: TrustBundle }
  /** A TrustBundle message on the connector's control stream (gRPC, authenticated as the controller). */
  | { source: "control_stream"; bundle: TrustBundle; current: TrustBundle }
  /** A HeartbeatAck from a connector: whatever it carries, only its fingerprints as a hint. */
  | { source: "heartbeat_ack"; hint: readonly string[]; current: TrustBundle };

/** What the agent does with an offer. */
export type TrustDecision =
  /** Trust exactly `bundle` from now on (`changed`: its CAs differ from the current ones). */
  | { action: "replace"; bundle: TrustBundle; changed: boolean }
  /** Refuse the whole response (the certificate with it is not used); `reason` says why. */
  | { action: "refuse"; reason: string }
  /** Trust stays as it is; `renewSoon`: ask the controller for a renewal (it holds the real bundle). */
  | { action: "ignore"; renewSoon: boolean };

/** Decides what to do with `offer`; pure, so every path is tested in one table. */
export function decideTrust(offer: TrustOffer): TrustDecision {
  switch (offer.source) {
    case "heartbeat_ack":
      return { action: "ignore", renewSoon: offer.hint.length > 0 && !sameCas(offer.hint, offer.current) };
    case "enroll":
    case "renew":
      if (offer.source === "renew" && !offer.current.has(offer.issuer)) {
        return {
          action: "refuse",
          reason:
            `internal CA mismatch during renewal: the new certificate was issued by CA ${offer.issuer}, which this agent does not trust`,
        };
      }
      if (!offer.bundle.has(offer.issuer)) {
        return {
          action: "refuse",
          reason:
            `the controller's trust bundle does not contain CA ${offer.issuer}, which issued the new certificate`,
        };
      }
      return replace(offer.bundle, offer.source === "renew" ? offer.current : undefined);
    case "control_stream":
      if (offer.bundle.fingerprints().length === 0) {
        return { action: "refuse", reason: "the controller sent an empty trust bundle" };
      }
      return replace(offer.bundle, offer.current);
  }
}

function replace(bundle: TrustBundle, current: TrustBundle | undefined): TrustDecision {
  return { action: "replace", bundle, changed: !current || !sameCas(current.fingerprints(), bundle) };
}

function sameCas(fingerprints: readonly string[], bundle: TrustBundle): boolean {
  const mine = bundle.fingerprints();
  const theirs = new Set(fingerprints.map((f) => f.replaceAll(":", "").toLowerCase()));
  return theirs.size === mine.length && mine.every((f) => theirs.has(f));
}

/** A controller response whose bundle the policy refused; the certificate that came with it is not used. */
export class TrustRefusedError extends Error {
  override name = "TrustRefusedError";
}

/**
 * The bundle to trust after an enroll or renew response.
 *
 * @throws {TrustRefusedError} when {@link decideTrust} refuses it
 */
export function bundleToTrust(offer: Extract<TrustOffer, { source: "enroll" | "renew" }>): TrustBundle {
  const d = decideTrust(offer);
  if (d.action === "replace") return d.bundle;
  throw new TrustRefusedError(d.action === "refuse" ? d.reason : `a ${offer.source} bundle was ignored`);
}
