import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { refusalStatus } from "./errors.ts";

Deno.test("refusalStatus() maps each typed refusal to its gRPC status", () => {
  assert.equal(refusalStatus("unexpected_role"), status.PERMISSION_DENIED);
  assert.equal(refusalStatus("trust_domain_mismatch"), status.PERMISSION_DENIED);
  assert.equal(refusalStatus("unexpected_id"), status.PERMISSION_DENIED);
  assert.equal(refusalStatus("not_allowed"), status.PERMISSION_DENIED);
  assert.equal(refusalStatus("expired"), status.FAILED_PRECONDITION);
  assert.equal(refusalStatus("unknown_authority"), status.UNAUTHENTICATED);
  assert.equal(refusalStatus("no_certificate"), status.UNAUTHENTICATED);
  assert.equal(refusalStatus("invalid_svid"), status.UNAUTHENTICATED);
});
