import assert from "node:assert/strict";
import { suggestedForward } from "./forwards.ts";

Deno.test("suggestedForward() adds 10000 to the port when it fits, else takes 10000 off, skips ranges", () => {
  assert.equal(suggestedForward("db.internal:5432"), "127.0.0.1:15432=db.internal:5432");
  assert.equal(suggestedForward("[fd00::1]:443"), "127.0.0.1:10443=[fd00::1]:443");
  assert.equal(suggestedForward("10.0.0.9:60000"), "127.0.0.1:50000=10.0.0.9:60000");
  assert.equal(suggestedForward("10.0.0.0/24:443"), undefined);
  assert.equal(suggestedForward("[fd00::/8]:443"), undefined);
});

Deno.test("suggestedForward() names a resource with a single address; not a wildcard", () => {
  assert.equal(suggestedForward("db.internal:5432", "db"), "127.0.0.1:15432=db");
  assert.equal(suggestedForward("*.corp.internal:443", "web"), undefined);
});
