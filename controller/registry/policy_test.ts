import { assertEquals, assertThrows } from "../../tests/support/assert.ts";
import { validateResource } from "./policy.ts";

Deno.test("validateResource() accepts host:port, ipv4:port, cidr:port and [ipv6]:port", () => {
  assertEquals(validateResource("DB.internal:5432"), "db.internal:5432");
  assertEquals(validateResource("10.0.0.1:22"), "10.0.0.1:22");
  assertEquals(validateResource("10.0.0.0/8:443"), "10.0.0.0/8:443");
  assertEquals(validateResource("[fd00::1]:80"), "[fd00::1]:80");
  assertEquals(validateResource("[fd00::/64]:80"), "[fd00::/64]:80");
  assertEquals(validateResource("[FD00::1]:080"), "[fd00::1]:80");
  // The one parser (shared/access/address.ts) admits wildcards, as the connector does.
  assertEquals(validateResource("*.Corp.internal:443"), "*.corp.internal:443");
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
    assertThrows(() => validateResource(bad), TypeError, `invalid resource "${bad}": ${why}`);
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
    assertThrows(() => validateResource(bad), TypeError, `invalid resource "${bad}"`);
  }
  assertThrows(() => validateResource(5), TypeError, "must be a string");
});
