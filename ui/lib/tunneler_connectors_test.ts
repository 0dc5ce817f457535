import assert from "node:assert/strict";
import { tunnelerConnectors } from "./tunneler_connectors.ts";

Deno.test("a tunneler's connectors: relaying, allowlisting and serving a grant, each said; others left out", () => {
  const rows = tunnelerConnectors({
    connectors: [{ id: "c1", status: "ONLINE" }, { id: "c2", status: "OFFLINE" }, { id: "c3" }],
    allowlists: new Map([["c1", ["t1"]], ["c2", ["t2"]], ["c3", []]]),
    grants: [{
      name: "db",
      address: "10.0.0.1:5432",
      connectors: ["c2", "c9"],
      granted_by: [{ policy: "p" }],
    }],
    tunnelerId: "t1",
    relayedBy: "c1",
  });
  assert.deepEqual(rows, [
    { id: "c1", status: "ONLINE", relays: true, allowlisted: true, serves: [] },
    { id: "c2", status: "OFFLINE", relays: false, allowlisted: false, serves: ["db"] },
    { id: "c9", status: undefined, relays: false, allowlisted: false, serves: ["db"] },
  ]);
});
