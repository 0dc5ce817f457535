import assert from "node:assert/strict";
import { ConfigError, EnrollmentRefusedError } from "../config/config_error.ts";
import { PeerVerificationError } from "../pki/refusal.ts";
import { describeError, FailureModeError, failureModeOfError, withFailureMode } from "./format.ts";

Deno.test("withFailureMode() puts the bracketed id in front, or nothing without an id", () => {
  assert.equal(withFailureMode("1.3", "failed to read controller CA"), "[1.3] failed to read controller CA");
  assert.equal(withFailureMode(undefined, "enrollment failed"), "enrollment failed");
});

Deno.test("describeError() reads the id from the error's failureMode field, never from its text", () => {
  assert.equal(
    describeError(new ConfigError("failed to read controller CA: x", { failureMode: "1.3" })),
    "[1.3] failed to read controller CA: x",
  );
  assert.equal(
    describeError(new ConfigError("failed to read controller CA: x")),
    "failed to read controller CA: x",
  );
  assert.equal(
    describeError(new EnrollmentRefusedError("invalid enrollment token", { failureMode: "1.2" })),
    "[1.2] invalid enrollment token",
  );
  assert.equal(
    describeError(
      new PeerVerificationError("unknown_authority", "x509: certificate signed by unknown authority"),
    ),
    "[2.1] x509: certificate signed by unknown authority",
  );
  assert.equal(
    describeError(new FailureModeError("5.3", "bind: address already in use")),
    "[5.3] bind: address already in use",
  );
  assert.equal(describeError("plain"), "plain");
});

Deno.test("failureModeOfError() ignores a failureMode that is not a catalogue id", () => {
  assert.equal(failureModeOfError({ failureMode: "9.9" }), undefined);
  assert.equal(failureModeOfError({ failureMode: "4.2" }), "4.2");
  assert.equal(failureModeOfError(undefined), undefined);
});
