import assert from "node:assert/strict";
import { ResourcePolicy } from "./resources.ts";

/** Resolves only the names of this table; any other name fails like an unknown host. */
const names: Record<string, string[]> = {
  "mapped.test": ["::ffff:127.0.0.1"],
  "v6.test": ["fd00::5"],
  "v4.test": ["10.0.0.5"],
};
const resolver = (host: string) => {
  const found = names[host];
  return found ? Promise.resolve(found) : Promise.reject(new Error(`getaddrinfo ENOTFOUND ${host}`));
};

const cases: { name: string; rules: string[]; dest: string; dial?: string }[] = [
  // IPv4-mapped IPv6 destinations are the IPv4 address: IPv6 rules never admit them.
  { name: "mapped dotted form refused by ::/0", rules: ["[::/0]:22"], dest: "[::ffff:127.0.0.1]:22" },
  { name: "mapped hex form refused by ::/0", rules: ["[::/0]:22"], dest: "[::ffff:7f00:1]:22" },
  { name: "mapped form refused by ::ffff:0:0/96", rules: ["[::ffff:0:0/96]:22"], dest: "[::ffff:7f00:1]:22" },
  { name: "mapped expanded form refused by ::/0", rules: ["[::/0]:22"], dest: "[0:0:0:0:0:ffff:7f00:1]:22" },
  { name: "mapped upper case refused by ::/0", rules: ["[::/0]:22"], dest: "[::FFFF:7F00:1]:22" },
  // ... and IPv4 rules do, dialed as IPv4.
  {
    name: "mapped dotted form admitted by an IPv4 CIDR",
    rules: ["127.0.0.0/8:22"],
    dest: "[::ffff:127.0.0.1]:22",
    dial: "127.0.0.1",
  },
  {
    name: "mapped hex form admitted by an IPv4 host rule",
    rules: ["127.0.0.1:22"],
    dest: "[::ffff:7f00:1]:22",
    dial: "127.0.0.1",
  },
  { name: "mapped form outside the IPv4 CIDR", rules: ["10.0.0.0/8:22"], dest: "[::ffff:7f00:1]:22" },
  { name: "mapped form on another port", rules: ["127.0.0.0/8:22"], dest: "[::ffff:7f00:1]:23" },
  // A name resolving to a mapped address is checked as IPv4 too.
  {
    name: "name resolving to a mapped address refused by ::/0",
    rules: ["[::/0]:22"],
    dest: "mapped.test:22",
  },
  {
    name: "name resolving to a mapped address admitted by an IPv4 CIDR",
    rules: ["127.0.0.0/8:22"],
    dest: "mapped.test:22",
    dial: "127.0.0.1",
  },
  // Plain IPv6 and IPv4 keep working as before.
  { name: "IPv6 in an IPv6 CIDR", rules: ["[fd00::/8]:443"], dest: "[fd00::1]:443", dial: "fd00::1" },
  { name: "IPv6 name in an IPv6 CIDR", rules: ["[fd00::/8]:443"], dest: "v6.test:443", dial: "fd00::5" },
  { name: "IPv4 in an IPv4 CIDR", rules: ["10.0.0.0/8:443"], dest: "10.1.2.3:443", dial: "10.1.2.3" },
  { name: "IPv4 name in an IPv4 CIDR", rules: ["10.0.0.0/8:443"], dest: "v4.test:443", dial: "10.0.0.5" },
  { name: "IPv4 refused by ::/0", rules: ["[::/0]:443"], dest: "10.1.2.3:443" },
  { name: "IPv6 refused by 0.0.0.0/0", rules: ["0.0.0.0/0:443"], dest: "[fd00::1]:443" },
  { name: "IPv4-compatible (not mapped) is IPv6", rules: ["0.0.0.0/0:443"], dest: "[::7f00:1]:443" },
  { name: "nothing allowed by default", rules: [], dest: "127.0.0.1:22" },
];

for (const c of cases) {
  Deno.test(`ResourcePolicy.check(): ${c.name}`, async () => {
    const policy = new ResourcePolicy(c.rules, resolver);
    assert.deepEqual(policy.invalid, []);
    const got = await policy.check(c.dest);
    if (c.dial === undefined) {
      assert.deepEqual(got, { ok: false, error: `resource not allowed: "${c.dest}"` });
    } else {
      assert.deepEqual(got, {
        ok: true,
        host: c.dial,
        port: Number(c.dest.slice(c.dest.lastIndexOf(":") + 1)),
      });
    }
  });
}
