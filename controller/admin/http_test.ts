import assert from "node:assert/strict";
import { rfc3339 } from "./http.ts";

Deno.test("rfc3339() formats to the second in UTC, the same on every call, and null for undefined", () => {
  assert.equal(rfc3339(undefined), null);
  assert.equal(rfc3339(1_000_999), "1970-01-01T00:16:40Z");
  assert.equal(rfc3339(1_000_000), "1970-01-01T00:16:40Z");
  assert.equal(rfc3339(-1), "1969-12-31T23:59:59Z");
  // More distinct seconds than it remembers: each still formatted as new Date() would.
  for (let i = 0; i < 600; i++) {
    const ms = Date.UTC(2026, 11, 1) + i * 1500;
    assert.equal(rfc3339(ms), new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
  }
});
