import assert from "node:assert/strict";
import { TrustBundle } from "../pki/bundle.ts";
import { createCa } from "../pki/ca.ts";
import {
  bundleToTrust,
  decideTrust,
  type TrustDecision,
  type TrustOffer,
  TrustRefusedError,
} from "./trust_policy.ts";

const [a, b, attacker] = await Promise.all(
  ["Old CA", "Next CA", "Attacker CA"].map((commonName) => createCa({ commonName })),
);
const A = a!.ca.fingerprint;
const B = b!.ca.fingerprint;
const X = attacker!.ca.fingerprint;
const only = (...cas: (typeof a)[]) => TrustBundle.of(cas.map((c) => c!.ca.certificate));
const AB = only(a, b);

/** What a decision comes down to, for the table: the bundle trusted afterwards, or why not. */
function outcome(d: TrustDecision): string {
  if (d.action === "replace") {
    return `trust ${d.bundle.fingerprints().join(",")}${d.changed ? " (changed)" : ""}`;
  }
  if (d.action === "refuse") return `refuse: ${d.reason}`;
  return d.renewSoon ? "ignore, renew soon" : "ignore";
}

const cases: { name: string; offer: TrustOffer; want: string | RegExp }[] = [
  // Enroll: the controller's bundle is trusted as given, if it holds the issuing CA.
  { name: "enroll", offer: { source: "enroll", bundle: only(a), issuer: A }, want: `trust ${A} (changed)` },
  {
    name: "enroll without the issuing CA",
    offer: { source: "enroll", bundle: only(b), issuer: A },
    want: /^refuse: the controller's trust bundle does not contain CA [0-9a-f]{64}, which issued/,
  },
  // Renew: the new bundle replaces the old one, so a retired CA leaves.
  {
    name: "renew during rotation adds the next CA",
    offer: { source: "renew", bundle: AB, issuer: A, current: only(a) },
    want: `trust ${A},${B} (changed)`,
  },
  {
    name: "renew after retire drops the old CA",
    offer: { source: "renew", bundle: only(b), issuer: B, current: AB },
    want: `trust ${B} (changed)`,
  },
  {
    name: "renew with the same bundle",
    offer: { source: "renew", bundle: only(a), issuer: A, current: only(a) },
    want: `trust ${A}`,
  },
  {
    name: "renew whose bundle lacks the issuing CA",
    offer: { source: "renew", bundle: only(b), issuer: A, current: AB },
    want: new RegExp(`^refuse: the controller's trust bundle does not contain CA ${A}`),
  },
  {
    name: "renew issued by a CA the agent does not trust (4.2)",
    offer: { source: "renew", bundle: only(b), issuer: B, current: only(a) },
    want: /^refuse: internal CA mismatch during renewal/,
  },
  // Control stream: the controller's push replaces the connector's bundle.
  {
    name: "control stream push",
    offer: { source: "control_stream", bundle: only(b), current: AB },
    want: `trust ${B} (changed)`,
  },
  {
    name: "control stream, same bundle",
    offer: { source: "control_stream", bundle: AB, current: only(b, a) },
    want: `trust ${A},${B}`,
  },
  // HeartbeatAck: a connector never changes trust, whatever it sends; a difference is a hint.
  {
    name: "heartbeat ack naming an attacker CA",
    offer: { source: "heartbeat_ack", hint: [X], current: only(a) },
    want: "ignore, renew soon",
  },
  {
    name: "heartbeat ack naming the same CAs (other order, colons, upper case)",
    offer: { source: "heartbeat_ack", hint: [B.toUpperCase(), A.replace(/(..)(?!$)/g, "$1:")], current: AB },
    want: "ignore",
  },
  {
    name: "heartbeat ack naming a subset",
    offer: { source: "heartbeat_ack", hint: [B], current: AB },
    want: "ignore, renew soon",
  },
  {
    name: "heartbeat ack from an older connector (no hint)",
    offer: { source: "heartbeat_ack", hint: [], current: only(a) },
    want: "ignore",
  },
];

for (const c of cases) {
  Deno.test(`decideTrust: ${c.name}`, () => {
    const got = outcome(decideTrust(c.offer));
    if (typeof c.want === "string") assert.equal(got, c.want);
    else assert.match(got, c.want);
  });
}

Deno.test("bundleToTrust() returns the bundle to trust or throws a TrustRefusedError", () => {
  assert.deepEqual(bundleToTrust({ source: "enroll", bundle: AB, issuer: B }).fingerprints(), [A, B]);
  assert.throws(
    () => bundleToTrust({ source: "renew", bundle: only(attacker), issuer: X, current: only(a) }),
    (e) => e instanceof TrustRefusedError && e.message.startsWith("internal CA mismatch during renewal"),
  );
});
