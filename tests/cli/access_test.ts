/**
 * `postern-controller resources|groups|policies list|set|delete` and `tunnelers access ID` against
 * a real controller: what they print, the 400 of bad input (exit 1 with the API's message), and
 * the effective access both ways (`/tunnelers/{id}/access`, `/resources/{name}/access`).
 */
import assert from "node:assert/strict";
import { startCliFixture } from "./_cli.ts";
import { ControllerCalls } from "../security/_controller_calls.ts";

Deno.test("resources, groups, policies: set, list, the access views, delete", async () => {
  await using f = await startCliFixture();
  assert.equal(
    await f.ok(["resources", "set", "db", "--address", "db.internal:5432", "--connector", "c1"]),
    "resource db db.internal:5432 on c1\n",
  );
  assert.equal(
    await f.ok(["groups", "set", "eng", "--tunneler", "alice", "--tunneler", "bob"]),
    "group eng: alice, bob\n",
  );
  // A policy may name what does not exist yet.
  assert.equal(
    await f.ok([
      "policies",
      "set",
      "p1",
      "--group",
      "eng",
      "--tunneler",
      "carol",
      "--resource",
      "db",
      "--resource",
      "later",
    ]),
    "policy p1: group eng, carol → db, later\n",
  );
  assert.match(
    await f.ok(["resources", "list"]),
    /^NAME\s+ADDRESS\s+CONNECTORS\s+NOTE\ndb\s+db\.internal:5432\s+c1\s+-\n$/,
  );
  assert.match(
    await f.ok(["policies", "list"]),
    /^NAME\s+GROUPS\s+TUNNELERS\s+RESOURCES\np1\s+eng\s+carol\s+db,later\n$/,
  );
  assert.match(
    await f.ok(["tunnelers", "access", "alice"]),
    /^RESOURCE\s+ADDRESS\s+CONNECTORS\s+GRANTED BY\ndb\s+db\.internal:5432\s+c1\s+p1 \(group eng\)\n$/,
  );
  assert.deepEqual(JSON.parse(await f.ok(["tunnelers", "access", "carol", "--json"])), {
    tunneler: "carol",
    resources: [{
      name: "db",
      address: "db.internal:5432",
      connectors: ["c1"],
      granted_by: [{ policy: "p1" }],
    }],
  });
  const byResource = await f.controller.admin("GET", "/api/admin/resources/db/access");
  assert.deepEqual(byResource.body, {
    resource: "db",
    tunnelers: [
      { id: "alice", granted_by: [{ policy: "p1", group: "eng" }] },
      { id: "bob", granted_by: [{ policy: "p1", group: "eng" }] },
      { id: "carol", granted_by: [{ policy: "p1" }] },
    ],
  });

  // tunnelers show suggests a forward naming each granted resource, through the connector serving it.
  const calls = new ControllerCalls(f.controller.grpcAddr, await Deno.readTextFile(f.controller.caCert));
  try {
    const token = (await f.ok(["tokens", "create", "--role", "connector", "--id", "c1"])).trim();
    await calls.enroll({ token, role: "connector", id: "c1", privateIp: "127.0.0.1" });
  } finally {
    calls.close();
  }
  assert.equal(
    await f.ok(["tunnelers", "show", "carol", "--env"]),
    "TUNNELER_ID=carol\nCONNECTOR_ADDR=c1@127.0.0.1:9443\nTUNNELER_FORWARDS=127.0.0.1:15432=db\n",
  );

  const bad = await f.cli(["resources", "set", "db2", "--address", "db.internal", "--connector", "c1"]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /^postern-controller: resource "db2": invalid address "db\.internal": use host:port, cidr:port, dns-name:port or \[ipv6\]:port \(HTTP 400 from PUT \/api\/admin\/resources\/db2\)$/m,
  );
  const unknown = await f.controller.admin("PUT", "/api/admin/groups/g2", { tunnelers: [], members: [] });
  assert.deepEqual([unknown.status, unknown.body], [400, {
    error: 'unknown field "members" in group: use tunnelers',
  }]);
  const badName = await f.controller.admin("PUT", "/api/admin/policies/-p", { resources: [] });
  assert.equal(badName.status, 400);

  assert.equal(await f.ok(["groups", "delete", "eng"]), "deleted group eng\n");
  assert.equal(await f.ok(["tunnelers", "access", "alice"]), "tunneler alice may reach no resource\n");
  const again = await f.cli(["groups", "delete", "eng"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /group "eng" not found \(HTTP 404/);
  const usage = await f.cli(["policies", "set", "p2", "--group", "eng"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--resource is required/);

  const { events } = (await f.controller.admin("GET", "/api/admin/events?kind=group.deleted")).body;
  assert.deepEqual(events.map((e: { actor: string; group: string }) => [e.actor, e.group]), [[
    "bootstrap",
    "eng",
  ]]);
});
