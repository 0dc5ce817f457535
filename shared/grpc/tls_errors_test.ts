import assert from "node:assert/strict";
import { tlsRefusal } from "./tls_errors.ts";

Deno.test("tlsRefusal() types the runtime's handshake errors with the contract's words", () => {
  const cases: [string, string, string | undefined, string][] = [
    [
      "invalid peer certificate: UnknownIssuer",
      "unknown_authority",
      "2.1",
      "x509: certificate signed by unknown authority (invalid peer certificate: UnknownIssuer)",
    ],
    [
      "received fatal alert: UnknownCA",
      "unknown_authority",
      "2.1",
      "x509: certificate signed by unknown authority (received fatal alert: UnknownCA)",
    ],
    [
      "peer sent no certificates",
      "no_certificate",
      "2.1",
      "x509: certificate signed by unknown authority (peer sent no certificate) (peer sent no certificates)",
    ],
    [
      "certificate has expired",
      "expired",
      undefined,
      "x509: certificate has expired or is not yet valid (certificate has expired)",
    ],
  ]; // deno-fmt-ignore
  for (const [runtime, reason, failureMode, message] of cases) {
    const r = tlsRefusal(runtime);
    assert.deepEqual([r?.reason, r?.failureMode, r?.message], [reason, failureMode, message], runtime);
  }
  assert.equal(tlsRefusal("socket hang up"), undefined);
  assert.equal(tlsRefusal("connect ECONNREFUSED 127.0.0.1:1"), undefined);
});
