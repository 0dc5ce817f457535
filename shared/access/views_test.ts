import assert from "node:assert/strict";
import { compileConnector, grants, tunnelersOf } from "./views.ts";
import type { AccessModel } from "./model.ts";

const model: AccessModel = {
  resources: [
    { name: "db", address: "db.internal:5432", connectors: ["c1"] },
    { name: "wiki", address: "10.0.0.5:80", connectors: ["c1", "c2"] },
  ],
  groups: [{ name: "eng", tunnelers: ["alice", "bob"] }],
  policies: [
    { name: "eng-db", groups: ["eng"], tunnelers: [], resources: ["db"] },
    { name: "alice-all", groups: ["ghosts"], tunnelers: ["alice"], resources: ["db", "wiki", "later"] },
  ],
};

Deno.test("grants(): each resource once, with every policy and group that grants it", () => {
  assert.deepEqual(grants(model, "alice"), [
    {
      name: "db",
      address: "db.internal:5432",
      connectors: ["c1"],
      granted_by: [{ policy: "alice-all" }, { policy: "eng-db", group: "eng" }],
    },
    { name: "wiki", address: "10.0.0.5:80", connectors: ["c1", "c2"], granted_by: [{ policy: "alice-all" }] },
  ]);
  assert.deepEqual(grants(model, "carol"), []);
});

Deno.test("tunnelersOf(): who reaches a resource; a missing resource is reached by nobody", () => {
  assert.deepEqual(tunnelersOf(model, "db"), [
    { id: "alice", granted_by: [{ policy: "alice-all" }, { policy: "eng-db", group: "eng" }] },
    { id: "bob", granted_by: [{ policy: "eng-db", group: "eng" }] },
  ]);
  assert.deepEqual(tunnelersOf(model, "later"), []);
});

Deno.test("compileConnector(): only the resources this connector serves, revoked tunnelers left out", () => {
  assert.deepEqual(compileConnector(model, "c2"), {
    resources: [{ name: "wiki", address: "10.0.0.5:80" }],
    grants: [{ tunnelers: ["alice"], resources: [0] }],
  });
  // One grant per policy (groups expanded); the table holds each resource once.
  assert.deepEqual(compileConnector(model, "c1", new Set(["alice"])), {
    resources: [{ name: "db", address: "db.internal:5432" }],
    grants: [{ tunnelers: ["bob"], resources: [0] }],
  });
  assert.deepEqual(compileConnector(model, "c1").grants, [
    { tunnelers: ["alice"], resources: [0, 1] },
    { tunnelers: ["alice", "bob"], resources: [0] },
  ]);
});
