import assert from "node:assert/strict";
import { ConnectorAccess } from "./decision.ts";
import { compileConnector } from "./views.ts";
import type { AccessModel } from "./model.ts";

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
  Deno.test(`ConnectorAccess.allow() by the own resources list: ${c.name}`, async () => {
    const access = new ConnectorAccess(
      { allowedTunnelers: ["t1"], resources: c.rules },
      resolver,
    );
    assert.deepEqual(access.invalid, []);
    const got = await access.allow("t1", c.dest);
    if (c.dial === undefined) {
      assert.deepEqual(got, {
        ok: false,
        reason: "resource_refused",
        error: `resource not allowed: "${c.dest}"`,
      });
    } else {
      assert.ok(got.ok);
      assert.deepEqual([got.host, got.port, got.resource], [
        c.dial,
        Number(c.dest.slice(c.dest.lastIndexOf(":") + 1)),
        undefined,
      ]);
    }
  });
}

/** Grants compiled from a model, as the controller pushes them to connector c1. */
function granted(
  resources: { name: string; address: string }[],
  policies: { tunnelers: string[]; resources: string[] }[],
) {
  const model: AccessModel = {
    resources: resources.map((r) => ({ ...r, connectors: ["c1"] })),
    groups: [],
    policies: policies.map((p, i) => ({ name: `p${i}`, groups: [], ...p })),
  };
  return compileConnector(model, "c1");
}

const DB = { name: "db", address: "db.internal:5432" };
const grants = granted([DB, { name: "lab", address: "10.0.0.0/8:22" }, {
  name: "web",
  address: "*.corp.test:443",
}], [
  { tunnelers: ["alice"], resources: ["db", "lab", "web"] },
  { tunnelers: ["bob"], resources: ["db"] },
]);
const dns: Record<string, string[]> = {
  "db.internal": ["10.9.9.9"],
  "a.corp.test": ["192.0.2.1"],
  "corp.test": ["192.0.2.2"],
  "split.test": ["10.0.0.1", "192.0.2.3"],
};
const resolve = (h: string) => dns[h] ? Promise.resolve(dns[h]) : Promise.reject(new Error(`ENOTFOUND ${h}`));

const grantCases: {
  name: string;
  tunneler: string;
  dest: string;
  want: string | { dial: string; resource?: string };
}[] = [
  {
    name: "a granted name",
    tunneler: "alice",
    dest: "db.internal:5432",
    want: { dial: "10.9.9.9", resource: "db" },
  },
  {
    name: "a resource named as the destination",
    tunneler: "bob",
    dest: "db",
    want: { dial: "10.9.9.9", resource: "db" },
  },
  {
    name: "an address in a granted CIDR",
    tunneler: "alice",
    dest: "10.1.2.3:22",
    want: { dial: "10.1.2.3", resource: "lab" },
  },
  {
    name: "a name below a wildcard",
    tunneler: "alice",
    dest: "a.corp.test:443",
    want: { dial: "192.0.2.1", resource: "web" },
  },
  { name: "the wildcard's own domain", tunneler: "alice", dest: "corp.test:443", want: "no_grant" },
  { name: "another port", tunneler: "alice", dest: "db.internal:5433", want: "no_grant" },
  { name: "a resource not granted to this tunneler", tunneler: "bob", dest: "lab", want: "no_grant" },
  {
    name: "a CIDR resource named as the destination",
    tunneler: "alice",
    dest: "lab",
    want: "resource_refused",
  },
  { name: "a name half inside a CIDR", tunneler: "alice", dest: "split.test:22", want: "no_grant" },
  { name: "a tunneler granted nothing here", tunneler: "carol", dest: "db", want: "not_allowed" },
  { name: "an unresolvable name", tunneler: "alice", dest: "nowhere.test:22", want: "dial_failed" },
];

for (const c of grantCases) {
  Deno.test(`ConnectorAccess.allow() by grants: ${c.name}`, async () => {
    const access = new ConnectorAccess({ allowedTunnelers: [], resources: [], granted: grants }, resolve);
    const got = await access.allow(c.tunneler, c.dest);
    if (typeof c.want === "string") {
      assert.ok(!got.ok, JSON.stringify(got));
      assert.equal(got.reason, c.want);
    } else {
      assert.ok(got.ok, JSON.stringify(got));
      assert.deepEqual([got.host, got.resource], [c.want.dial, c.want.resource]);
    }
  });
}

Deno.test("ConnectorAccess: an allowlisted tunneler keeps its own resources and gains its grants", async () => {
  const access = new ConnectorAccess(
    { allowedTunnelers: ["alice"], resources: ["127.0.0.1:80"], granted: grants },
    resolve,
  );
  const own = await access.allow("alice", "127.0.0.1:80");
  assert.ok(own.ok && own.resource === undefined);
  const granted = await access.allow("alice", "10.0.0.7:22");
  assert.ok(granted.ok && granted.resource === "lab");
  // bob is not on the allowlist: the own list is not his.
  const bob = await access.allow("bob", "127.0.0.1:80");
  assert.deepEqual(bob, { ok: false, reason: "no_grant", error: 'resource not allowed: "127.0.0.1:80"' });
});

Deno.test("ConnectorAccess.stillAllows(): exactly the tunnels a new configuration no longer allows", async () => {
  const before = new ConnectorAccess({ allowedTunnelers: [], resources: [], granted: grants }, resolve);
  const db = await before.allow("alice", "db");
  const lab = await before.allow("alice", "10.1.2.3:22");
  assert.ok(db.ok && lab.ok);
  const withoutLab = new ConnectorAccess({
    allowedTunnelers: [],
    resources: [],
    granted: granted([DB], [{ tunnelers: ["alice"], resources: ["db"] }]),
  }, resolve);
  assert.deepEqual([withoutLab.stillAllows("alice", db), withoutLab.stillAllows("alice", lab)], [
    true,
    false,
  ]);
  const moved = new ConnectorAccess({
    allowedTunnelers: [],
    resources: [],
    granted: granted([{ name: "db", address: "db2.internal:5432" }], [{
      tunnelers: ["alice"],
      resources: ["db"],
    }]),
  }, resolve);
  assert.equal(moved.stillAllows("alice", db), false, "the resource's address changed");
  const none = new ConnectorAccess({ allowedTunnelers: [], resources: [] }, resolve);
  assert.equal(none.admit("alice"), false);
});

Deno.test("ConnectorAccess: unparsable entries are reported and never match", async () => {
  const access = new ConnectorAccess({
    allowedTunnelers: ["t1"],
    resources: ["nonsense"],
    granted: {
      resources: [{ name: "bad", address: "10.0.0.0/99:1" }],
      grants: [{ tunnelers: ["t1"], resources: [0] }],
    },
  }, resolve);
  assert.deepEqual(access.invalid, [
    'invalid address "nonsense": use host:port, cidr:port, dns-name:port or [ipv6]:port',
    'resource "bad": invalid address "10.0.0.0/99:1": bad CIDR: prefix length must be 0-32',
  ]);
  assert.equal((await access.allow("t1", "bad")).ok, false);
});
