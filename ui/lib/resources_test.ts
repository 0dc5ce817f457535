import assert from "node:assert/strict";
import { parseResources } from "./resources.ts";

Deno.test("parseResources() takes what the admin API takes and refuses the rest in its words", () => {
  const valid = [
    "db.internal:5432",
    "10.0.0.5:22",
    "10.0.0.0/24:443",
    "[fd00::1]:80",
    "[fd00::/64]:443",
    "*.corp.internal:443",
    "localhost:1",
  ];
  for (const entry of valid) {
    assert.deepEqual(parseResources(entry), { resources: [entry], errors: [] }, entry);
  }
  const invalid: [string, string][] = [
    ["db.internal", "use host:port, cidr:port, dns-name:port or [ipv6]:port"],
    ["db.internal:0", "port must be 1-65535"],
    ["db.internal:70000", "port must be 1-65535"],
    ["10.0.0.0/33:443", "bad CIDR: prefix length must be 0-32"],
    ["fd00::/64:443", "use host:port, cidr:port, dns-name:port or [ipv6]:port"],
    ["300.1.1.1:80", "not a valid IPv4 address"],
    ["-bad-.example:80", `label "-bad-" must use only a-z, 0-9 and '-', and must not start or end with '-'`],
  ];
  for (const [entry, why] of invalid) {
    assert.deepEqual(parseResources(entry).errors, [`invalid resource "${entry}": ${why}`]);
  }
});

Deno.test("parseResources() splits lines and commas, drops blanks and duplicates", () => {
  assert.deepEqual(parseResources("a.internal:1\n\n b.internal:2, a.internal:1 "), {
    resources: ["a.internal:1", "b.internal:2"],
    errors: [],
  });
  assert.deepEqual(parseResources("x").errors.length, 1);
});
