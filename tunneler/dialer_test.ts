import assert from "node:assert/strict";
import { TUNNELER_NOT_ALLOWED } from "../shared/dataplane/framing.ts";
import { failureModeOfError } from "../shared/failure_modes/format.ts";
import { PeerVerificationError } from "../shared/pki/refusal.ts";
import { TunnelRefusedError } from "./dialer.ts";

Deno.test("TunnelRefusedError carries the typed refusal not_allowed (3.3) for tunneler not allowed, none for other refusals", () => {
  const refused = new TunnelRefusedError(TUNNELER_NOT_ALLOWED);
  assert.ok(refused.refusal instanceof PeerVerificationError);
  assert.equal(refused.refusal.reason, "not_allowed");
  assert.equal(refused.cause, refused.refusal);
  assert.equal(failureModeOfError(refused), "3.3");
  const resource = new TunnelRefusedError('resource not allowed: "10.0.0.9:22"');
  assert.equal(resource.refusal, undefined);
  assert.equal(failureModeOfError(resource), undefined);
});
