import { assertEquals, assertThrows } from "../../tests/support/assert.ts";
import { validateResource } from "./policy.ts";

Deno.test("validateResource() accepts host:port, ipv4:port, cidr:port and [ipv6]:port", () => {
  assertEquals(validateResource("DB.internal:5432"), "db.internal:5432");
  assertEquals(validateResource("10.0.0.1:22"), "10.0.0.1:22");
  assertEquals(validateResource("10.0.0.0/8:443"), "10.0.0.0/8:443");
  assertEquals(validateResource("[fd00::1]:80"), "[fd00::1]:80");
  assertEquals(validateResource("[fd00::/64]:80"), "[fd00::/64]:80");
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
