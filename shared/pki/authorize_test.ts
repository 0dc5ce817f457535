import assert from "node:assert/strict";
import {
  allOf,
  authorizeAllowlist,
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  authorizeOneOf,
  authorizeRole,
} from "./authorize.ts";
import { parseSpiffeId } from "./spiffe_id.ts";
import { PeerVerificationError } from "./verify.ts";

const t1 = parseSpiffeId("spiffe://postern.internal/tunneler/t1");
const refusedWith = (message: string) => (e: unknown) =>
  e instanceof PeerVerificationError && e.message === message;

Deno.test("authorizeAny() allows any peer: every role, another trust domain", () => {
  const any = authorizeAny();
  for (
    const id of [
      "spiffe://postern.internal/tunneler/t1",
      "spiffe://postern.internal/connector/c1",
      "spiffe://postern.internal/controller/ctl",
      "spiffe://other.example/tunneler/t1",
    ]
  ) {
    assert.doesNotThrow(() => any(parseSpiffeId(id)), id);
  }
  // The refusing authorizers throw on the same peers, so doesNotThrow above is not vacuous.
  assert.throws(() => authorizeRole("connector")(t1), PeerVerificationError);
});

Deno.test("authorizeRole() allows listed roles and refuses others", () => {
  authorizeRole("tunneler")(t1);
  assert.throws(
    () => authorizeRole("connector", "controller")(t1),
    refusedWith(`unexpected SPIFFE role: expected connector or controller, got "tunneler"`),
  );
});

Deno.test("authorizeId() allows one ID and refuses others", () => {
  authorizeId(t1.uri)(t1);
  assert.throws(
    () => authorizeId("spiffe://postern.internal/controller/main")(t1),
    refusedWith(
      `SPIFFE ID mismatch: expected "spiffe://postern.internal/controller/main", got "${t1.uri}"`,
    ),
  );
});

Deno.test("authorizeOneOf() allows any listed ID and refuses others", () => {
  authorizeOneOf([t1.uri, "spiffe://postern.internal/tunneler/t2"])(t1);
  assert.throws(
    () => authorizeOneOf(["spiffe://postern.internal/tunneler/t2"])(t1),
    refusedWith(`SPIFFE ID mismatch: "${t1.uri}" is not one of "spiffe://postern.internal/tunneler/t2"`),
  );
});

Deno.test("authorizeAllowlist() consults the live allowlist on every call (failure mode 3.3)", () => {
  const allowed = new Set(["t1"]);
  const authz = authorizeAllowlist((id) => allowed.has(id));
  authz(t1);
  allowed.delete("t1");
  assert.throws(
    () => authz(t1),
    refusedWith(`tunneler not allowed: "t1" is not on this connector's allowlist`),
  );
});

Deno.test("allOf() throws the first refusal", () => {
  allOf(authorizeRole("tunneler"), authorizeAny())(t1);
  assert.throws(
    () => allOf(authorizeRole("tunneler"), authorizeAllowlist(() => false), authorizeRole("connector"))(t1),
    refusedWith(`tunneler not allowed: "t1" is not on this connector's allowlist`),
  );
});

Deno.test("authorizers refuse with a typed reason and failure mode, not only a message", () => {
  const cases: [() => void, string, string | undefined][] = [
    [() => authorizeRole("connector")(t1), "unexpected_role", "2.3"],
    [() => authorizeId("spiffe://postern.internal/tunneler/t2")(t1), "unexpected_id", "2.3"],
    [() => authorizeOneOf([])(t1), "unexpected_id", "2.3"],
    [() => authorizeMemberOf("other.example")(t1), "trust_domain_mismatch", "2.3"],
    [() => authorizeAllowlist(() => false)(t1), "not_allowed", "3.3"],
  ];
  for (const [run, reason, failureMode] of cases) {
    assert.throws(
      run,
      (e) => e instanceof PeerVerificationError && e.reason === reason && e.failureMode === failureMode,
    );
  }
  authorizeMemberOf("Postern.Internal.")(t1);
  assert.throws(() => authorizeMemberOf("other.example")(t1), {
    message: `SPIFFE trust domain mismatch: expected "other.example", got "postern.internal"`,
  });
});
