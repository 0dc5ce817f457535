import assert from "node:assert/strict";
import { AddressError, isSingle, nameMatches, parseAddress } from "./address.ts";

Deno.test("parseAddress(): the shapes a resource address may take", () => {
  assert.deepEqual(parseAddress("DB.Internal:5432").host, "db.internal");
  assert.deepEqual(parseAddress("*.corp.test:443").suffix, ".corp.test");
  assert.deepEqual(parseAddress("10.0.0.0/8:22").net?.prefix, 8);
  assert.deepEqual(parseAddress("[fd00::/8]:443").net?.prefix, 8);
  assert.deepEqual(parseAddress("[fd00::1]:443").net?.prefix, 128);
  assert.deepEqual(
    [parseAddress("127.0.0.1:1"), parseAddress("a.b:1"), parseAddress("10.0.0.0/8:1")].map(isSingle),
    [true, true, false],
  );
});

for (
  const [text, why] of [
    ["db", "use host:port, cidr:port, dns-name:port or [ipv6]:port"],
    ["db:0", "port must be 1-65535"],
    ["db:70000", "port must be 1-65535"],
    ["10.0.0.0/33:22", "bad CIDR: prefix length must be 0-32"],
    ["[fd00::/8]x:22", "use host:port, cidr:port, dns-name:port or [ipv6]:port"],
    ["[10.0.0.0/8]:22", "bad CIDR: IPv6 goes in brackets, IPv4 without"],
    ["[fd00::zz]:22", "not an IPv6 address"],
    ["300.1.1.1:22", "not a valid IPv4 address"],
    [
      "bad_name.test:22",
      `label "bad_name" must use only a-z, 0-9 and '-', and must not start or end with '-'`,
    ],
    ["*.:22", "host is empty"],
  ] as const
) {
  Deno.test(`parseAddress() refuses ${text}`, () => {
    assert.throws(
      () => parseAddress(text),
      (e) => e instanceof AddressError && e.message === `invalid address "${text}": ${why}`,
    );
  });
}

Deno.test("nameMatches(): a wildcard matches names below the domain, not the domain", () => {
  const w = parseAddress("*.corp.test:443");
  assert.deepEqual(
    ["a.corp.test", "a.b.corp.test", "corp.test", "xcorp.test"].map((n) => nameMatches(w, n)),
    [
      true,
      true,
      false,
      false,
    ],
  );
});
