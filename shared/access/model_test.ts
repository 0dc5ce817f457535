import assert from "node:assert/strict";
import { AccessValidationError, parseGroup, parsePolicy, parseResource } from "./model.ts";

Deno.test("parseResource(): a valid body, connectors sorted and deduplicated", () => {
  assert.deepEqual(parseResource("db", { address: "db.internal:5432", connectors: ["c2", "c1", "c2"] }), {
    name: "db",
    address: "db.internal:5432",
    connectors: ["c1", "c2"],
  });
});

Deno.test("parsePolicy(): groups and tunnelers may be left out; names need not exist", () => {
  assert.deepEqual(parsePolicy("p", { resources: ["not-yet"] }), {
    name: "p",
    groups: [],
    tunnelers: [],
    resources: ["not-yet"],
  });
});

for (
  const [what, run, message] of [
    [
      "an unknown field",
      () => parseGroup("g", { tunnelers: [], extra: 1 }),
      'unknown field "extra" in group: use tunnelers',
    ],
    [
      "a bad address",
      () => parseResource("db", { address: "db", connectors: [] }),
      'resource "db": invalid address "db": use host:port, cidr:port, dns-name:port or [ipv6]:port',
    ],
    [
      "a name outside the id charset",
      () => parseGroup("-g", { tunnelers: [] }),
      'invalid group "-g": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
    ],
    [
      "a member outside the id charset",
      () => parsePolicy("p", { resources: ["a b"] }),
      'invalid resource "a b": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
    ],
    [
      "a missing list",
      () => parsePolicy("p", { groups: ["g"] }),
      'policy: "resources" must be a list of names',
    ],
    [
      "not an object",
      () => parseResource("db", [1]),
      "resource must be a JSON object with address, connectors, note",
    ],
    [
      "a missing address",
      () => parseResource("db", { connectors: [] }),
      'resource "db": "address" is required',
    ],
  ] as const
) {
  Deno.test(`model validation refuses ${what}`, () => {
    assert.throws(run, (e) => e instanceof AccessValidationError && e.message === message);
  });
}
