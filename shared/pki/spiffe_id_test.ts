import assert from "node:assert/strict";
import { formatSpiffeId, parseSpiffeId, ROLES, validateAgentId } from "./spiffe_id.ts";

Deno.test("ROLES lists the three roles", () => {
  assert.deepStrictEqual([...ROLES], ["controller", "connector", "tunneler"]);
});

Deno.test("formatSpiffeId() normalises the trust domain", () => {
  assert.deepStrictEqual(
    formatSpiffeId("Postern.Internal.", "connector", "c-1"),
    "spiffe://postern.internal/connector/c-1",
  );
});

Deno.test("parseSpiffeId() returns the parts of a valid ID", () => {
  assert.deepStrictEqual(parseSpiffeId("spiffe://postern.internal/tunneler/t_1.a"), {
    trustDomain: "postern.internal",
    role: "tunneler",
    id: "t_1.a",
    uri: "spiffe://postern.internal/tunneler/t_1.a",
  });
});

const idMsg = (id: string) =>
  `invalid id "${id}": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`;

for (const id of ["", ".a", "-a", "a/b", "a..b", "a b", "x".repeat(65)]) {
  Deno.test(`validateAgentId() refuses "${id.slice(0, 10)}"`, () => {
    assert.throws(() => validateAgentId(id), { name: "TypeError", message: idMsg(id) });
  });
}
for (const id of ["a", "A.b_c-d", "0", "x".repeat(64)]) {
  Deno.test(`validateAgentId() accepts "${id.slice(0, 10)}"`, () => {
    assert.deepStrictEqual(validateAgentId(id), id);
  });
}

const bad: [string, string][] = [
  ["https://postern.internal/connector/c1", `scheme is "https", expected "spiffe"`],
  ["postern.internal/connector/c1", "scheme is missing"],
  ["spiffe://postern.internal/connector/c1?x=1", "query is not allowed"],
  ["spiffe://postern.internal/connector/c1#f", "fragment is not allowed"],
  ["spiffe://u@postern.internal/connector/c1", "userinfo is not allowed"],
  ["spiffe://postern.internal:443/connector/c1", "port is not allowed"],
  [
    "spiffe://Postern.internal/connector/c1",
    `invalid domain "Postern.internal": trust domain must be lower case`,
  ],
  [
    "spiffe://a..b/connector/c1",
    `invalid domain "a..b": empty label (two dots in a row, or a leading or trailing dot)`,
  ],
  ["spiffe://postern.internal/connector", `path "/connector" must be exactly /<role>/<id>`],
  ["spiffe://postern.internal/connector/c1/x", `path "/connector/c1/x" must be exactly /<role>/<id>`],
  ["spiffe://postern.internal", `path "" must be exactly /<role>/<id>`],
  ["spiffe://postern.internal/admin/c1", `unexpected SPIFFE role "admin"`],
  ["spiffe://postern.internal/connector/..", idMsg("..")],
];
for (const [uri, reason] of bad) {
  Deno.test(`parseSpiffeId() refuses "${uri}"`, () => {
    assert.throws(() => parseSpiffeId(uri), {
      name: "TypeError",
      message: `cannot parse URI "${uri}": ${reason}`,
    });
  });
}
