import assert from "node:assert/strict";
import { Metadata } from "@grpc/grpc-js";
import { PeerVerificationError } from "../pki/refusal.ts";
import { FAILURE_MODE_METADATA, failureModeOfCall, failureModeOfGrpcError } from "./failure_mode.ts";

function grpcError(details: string, mode?: string) {
  const metadata = new Metadata();
  if (mode) metadata.set(FAILURE_MODE_METADATA, mode);
  return Object.assign(new Error(details), { details, metadata });
}

Deno.test("failureModeOfGrpcError() reads the postern-failure-mode metadata, and only catalogue ids", () => {
  assert.equal(failureModeOfGrpcError(grpcError("internal CA mismatch during renewal: x", "4.2")), "4.2");
  assert.equal(failureModeOfGrpcError(grpcError("x", "9.9")), undefined);
  // The text alone names nothing: the id is data.
  assert.equal(failureModeOfGrpcError(grpcError("internal CA mismatch during renewal: x")), undefined);
  assert.equal(failureModeOfGrpcError(new Error("plain")), undefined);
});

Deno.test("failureModeOfCall() prefers the server's metadata, then the typed refusal, then the runtime's TLS words", () => {
  const refused = new PeerVerificationError("trust_domain_mismatch", "SPIFFE trust domain mismatch: a");
  assert.equal(failureModeOfCall(grpcError("x", "1.2"), refused), "1.2");
  assert.equal(failureModeOfCall(grpcError("No connection established"), refused), "2.3");
  assert.equal(failureModeOfCall(grpcError("unable to verify the first certificate"), undefined), "2.1");
  assert.equal(failureModeOfCall(grpcError("connection refused"), undefined), undefined);
});
