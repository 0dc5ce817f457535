import assert from "node:assert/strict";
import { parseResources, resourceError } from "./resources.ts";

Deno.test("resourceError() accepts host:port and cidr:port and explains anything else", () => {
  const valid = [
    "db.internal:5432",
    "10.0.0.5:22",
    "10.0.0.0/24:443",
    "[fd00::1]:80",
    "fd00::/64:443",
    "localhost:1",
  ];
  for (const entry of valid) assert.deepEqual(resourceError(entry), undefined, entry);
  const invalid: [string, string][] = [
    ["db.internal", "use host:port or cidr:port"],
    ["db.internal:0", "port must be 1-65535"],
    ["db.internal:70000", "port must be 1-65535"],
    ["10.0.0.0/33:443", "the CIDR must be"],
    ["-bad-.example:80", "is not a host name or IP address"],
    ["300.1.1.1:80", "is not a host name or IP address"],
    ["db internal:80", "is not a host name or IP address"],
  ];
  for (const [entry, reason] of invalid) {
    const error = resourceError(entry) ?? "";
    assert.deepEqual(error.includes(reason) && error.includes(`"${entry}"`), true, `${entry}: ${error}`);
  }
});

Deno.test("parseResources() splits lines and commas, drops blanks and duplicates", () => {
  assert.deepEqual(parseResources("a.internal:1\n\n b.internal:2, a.internal:1 "), {
    resources: ["a.internal:1", "b.internal:2"],
    errors: [],
  });
  assert.deepEqual(parseResources("x").errors.length, 1);
});
