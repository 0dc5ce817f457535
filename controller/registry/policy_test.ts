import assert from "node:assert/strict";
import { validateResource } from "../../shared/access/address.ts";

Deno.test("validateResource() accepts host:port, ipv4:port, cidr:port and [ipv6]:port", () => {
  assert.deepEqual(validateResource("DB.internal:5432"), "db.internal:5432");
  assert.deepEqual(validateResource("10.0.0.1:22"), "10.0.0.1:22");
  assert.deepEqual(validateResource("10.0.0.0/8:443"), "10.0.0.0/8:443");
  assert.deepEqual(validateResource("[fd00::1]:80"), "[fd00::1]:80");
  assert.deepEqual(validateResource("[fd00::/64]:80"), "[fd00::/64]:80");
  assert.deepEqual(validateResource("[FD00::1]:080"), "[fd00::1]:80");
  // The one parser (shared/access/address.ts) admits wildcards, as the connector does.
  assert.deepEqual(validateResource("*.Corp.internal:443"), "*.corp.internal:443");
});

Deno.test("validateResource() gives the reason of the one address parser, as a resource", () => {
  for (
    const [bad, why] of [
      ["db", "use host:port, cidr:port, dns-name:port or [ipv6]:port"],
      ["db:0", "port must be 1-65535"],
      ["10.0.0.0/33:80", "bad CIDR: prefix length must be 0-32"],
      ["[fd00::/129]:80", "bad CIDR: prefix length must be 0-128"],
      ["300.1.1.1:80", "not a valid IPv4 address"],
      ["[zz]:80", "not an IPv6 address"],
      ["[10.0.0.1]:80", "IPv6 addresses go in brackets, IPv4 without"],
    ]
  ) {
    assert.throws(
      () => validateResource(bad),
      (e) => e instanceof TypeError && e.message.includes(`invalid resource "${bad}": ${why}`),
    );
  }
});

Deno.test("validateResource() refuses anything else with the entry quoted", () => {
  for (
    const bad of [
      "db",
      "db:0",
      "db:70000",
      "10.0.0.0/33:80",
      "300.1.1.1:80",
      "-bad-:80",
      "a b:80",
      "[zz]:80",
      ":80",
    ]
  ) {
    assert.throws(
      () => validateResource(bad),
      (e) => e instanceof TypeError && e.message.includes(`invalid resource "${bad}"`),
    );
  }
  assert.throws(
    () => validateResource(5),
    (e) => e instanceof TypeError && e.message.includes("must be a string"),
  );
});
