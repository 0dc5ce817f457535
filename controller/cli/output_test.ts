import assert from "node:assert/strict";
import { fields, table } from "./output.ts";

Deno.test("table() aligns columns under their headers, prints - for empty cells, and `empty` without rows", () => {
  assert.equal(
    table(["ID", "STATUS", "NOTE"], [["c1", "ONLINE", null], ["connector-2", undefined, "rack 4"]], "none"),
    "ID           STATUS  NOTE\nc1           ONLINE  -\nconnector-2  -       rack 4",
  );
  assert.equal(table(["ID"], [], "no connectors"), "no connectors");
});

Deno.test("fields() aligns keys and joins lists", () => {
  assert.equal(
    fields([["id", "t1"], ["trusted_cas", ["a", "b"]], ["none", []]]),
    "id           t1\ntrusted_cas  a, b\nnone         -",
  );
});
