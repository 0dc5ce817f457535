import assert from "node:assert/strict";
import { clientAddress, limitKey, normalizeIp, TrustedProxies } from "./client_address.ts";

const trusted = TrustedProxies.parse("127.0.0.2, 10.0.0.0/8, fd00::/8");

const CASES: [peer: string, xff: string | null, expected: string][] = [
  // An untrusted peer's header is ignored, whatever it says.
  ["192.0.2.7", "198.51.100.1", "192.0.2.7"],
  ["192.0.2.7", null, "192.0.2.7"],
  ["::ffff:192.0.2.7", "198.51.100.1", "192.0.2.7"],
  // A trusted proxy: the right-most hop that is not a trusted proxy.
  ["127.0.0.2", "198.51.100.1", "198.51.100.1"],
  ["127.0.0.2", "203.0.113.9, 198.51.100.1", "198.51.100.1"],
  ["127.0.0.2", "203.0.113.9, 198.51.100.1, 10.1.2.3", "198.51.100.1"],
  ["::ffff:127.0.0.2", "[2001:db8::1]:443", "2001:db8::1"],
  ["127.0.0.2", "198.51.100.1:5555", "198.51.100.1"],
  ["fd00::5", "2001:DB8::7", "2001:db8::7"],
  // All hops trusted: the left-most; garbage ends the walk at the proxy that passed it on.
  ["127.0.0.2", "10.9.9.9, 10.1.1.1", "10.9.9.9"],
  ["127.0.0.2", "not-an-ip", "127.0.0.2"],
  ["127.0.0.2", "198.51.100.1, junk, 10.1.1.1", "10.1.1.1"],
  ["127.0.0.2", "", "127.0.0.2"],
];

for (const [peer, xff, expected] of CASES) {
  Deno.test(`clientAddress() from ${peer} with X-Forwarded-For ${JSON.stringify(xff)} is ${expected}`, () => {
    assert.deepEqual(clientAddress(peer, xff, trusted), expected);
  });
}

Deno.test("TrustedProxies.parse() trusts nobody when empty and names an invalid entry", () => {
  assert.deepEqual(TrustedProxies.parse(undefined).has("127.0.0.1"), false);
  assert.deepEqual(TrustedProxies.parse("").entries, []);
  for (const bad of ["proxy.internal", "10.0.0.0/33", "10.0.0.0/8/1", "fd00::/129", "10.0.0.0/x", "1.2.3"]) {
    let message = "";
    try {
      TrustedProxies.parse(`127.0.0.1,${bad}`);
    } catch (error) {
      message = (error as Error).message;
    }
    assert.deepEqual(
      message,
      `invalid entry "${bad}": use addresses or CIDRs separated by commas, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8`,
    );
  }
});

Deno.test("normalizeIp() strips ports, brackets and the IPv4-mapped prefix", () => {
  assert.deepEqual(normalizeIp("::FFFF:10.0.0.1"), "10.0.0.1");
  assert.deepEqual(normalizeIp("[::1]:80"), "::1");
  assert.deepEqual(normalizeIp("1.2.3.4:80"), "1.2.3.4");
  assert.deepEqual(normalizeIp("evil"), undefined);
});

Deno.test("limitKey() counts IPv6 clients by their /64 and IPv4 clients by address", () => {
  assert.deepEqual(limitKey("192.0.2.7"), "192.0.2.7");
  assert.deepEqual(limitKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.deepEqual(limitKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
  assert.deepEqual(limitKey("2001:db8::1"), "2001:db8:0:0::/64");
  assert.deepEqual(limitKey("::1"), "0:0:0:0::/64");
});
