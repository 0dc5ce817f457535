/**
 * `postern-controller connectors ...` and `tunnelers ...` against a real controller, with a
 * connector and a tunneler enrolled over gRPC: tables, --json, allowlist and resources edits, the
 * environment `tunnelers show` prints, revocation, refusals.
 */
import assert from "node:assert/strict";
import { ControllerCalls } from "../security/_controller_calls.ts";
import { type CliFixture, startCliFixture } from "./_cli.ts";

async function enrollPair(f: CliFixture): Promise<void> {
  const calls = new ControllerCalls(f.controller.grpcAddr, await Deno.readTextFile(f.controller.caCert));
  try {
    const ct = (await f.ok(["tokens", "create", "--role", "connector", "--id", "c1"])).trim();
    await calls.enroll({ token: ct, role: "connector", id: "c1", privateIp: "127.0.0.1" });
    const tt = (await f.ok(["tokens", "create", "--role", "tunneler", "--id", "t1"])).trim();
    await calls.enroll({ token: tt, role: "tunneler", id: "t1", privateIp: "" });
  } finally {
    calls.close();
  }
}

Deno.test("connectors: list, show, allowlist and resources edits print the result, revoke", async () => {
  await using f = await startCliFixture();
  await enrollPair(f);
  const list = (await f.ok(["connectors", "list"])).trimEnd().split("\n");
  assert.match(list[0]!, /^ID\s+STATUS\s+PRIVATE IP\s+VERSION\s+LAST SEEN\s+CERT EXPIRES$/);
  assert.match(list[1]!, /^c1\s+OFFLINE\s+127\.0\.0\.1\s+test\s+/);
  assert.equal(list.length, 2);
  const [c1] = JSON.parse(await f.ok(["connectors", "list", "--json"]));
  assert.equal(c1.spiffe_id, "spiffe://postern.internal/connector/c1");

  assert.equal(await f.ok(["connectors", "allowlist", "c1", "--add", "t1", "--add", "t2"]), "t1\nt2\n");
  assert.equal(await f.ok(["connectors", "allowlist", "c1", "--remove", "t2", "--add", "t3"]), "t1\nt3\n");
  assert.equal(await f.ok(["connectors", "allowlist", "c1"]), "t1\nt3\n");
  assert.deepEqual(JSON.parse(await f.ok(["connectors", "allowlist", "c1", "--set", "t1", "--json"])), {
    tunnelers: ["t1"],
  });
  assert.equal(
    await f.ok(["connectors", "resources", "c1", "--set", "db.internal:5432,10.0.0.0/24:443"]),
    "db.internal:5432\n10.0.0.0/24:443\n",
  );
  assert.equal(
    await f.ok(["connectors", "resources", "c1", "--remove", "10.0.0.0/24:443"]),
    "db.internal:5432\n",
  );
  assert.equal(await f.ok(["connectors", "resources", "c2", "--set", ""]), "(no resources)\n");

  const show = await f.ok(["connectors", "show", "c1"]);
  assert.match(show, /^id\s+c1$/m);
  assert.match(show, /^allowlist\s+t1$/m);
  assert.match(show, /^resources\s+db\.internal:5432$/m);
  const shown = JSON.parse(await f.ok(["connectors", "show", "c1", "--json"]));
  assert.deepEqual([shown.id, shown.allowlist, shown.resources], ["c1", ["t1"], ["db.internal:5432"]]);

  const refusals: [string[], number, RegExp][] = [
    [
      ["connectors", "resources", "c1", "--add", "nowhere"],
      1,
      /^postern-controller: .*nowhere.*\(HTTP 400 from PUT /m,
    ],
    [
      ["connectors", "allowlist", "c1", "--remove", "t9"],
      2,
      /^postern-controller: --remove "t9": not in the list \(t1\)$/m,
    ],
    [["connectors", "show", "c9"], 1, /^postern-controller: connector "c9" not found \(HTTP 404 from GET /m],
    [["connectors", "show", "bad..id"], 1, /^postern-controller: invalid id "bad\.\.id"/m],
    [["connectors", "allowlist"], 2, /^postern-controller: missing ID$/m],
  ];
  for (const [args, code, stderr] of refusals) {
    const r = await f.cli(args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(" "));
  }

  assert.equal(await f.ok(["connectors", "revoke", "c1"]), 'revoked connector "c1"\n');
  assert.equal(await f.ok(["connectors", "list"]), "no connectors\n");
  const again = await f.cli(["connectors", "revoke", "c1"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /connector "c1" not found/);
});

Deno.test("tunnelers: list, show prints CONNECTOR_ADDR and TUNNELER_FORWARDS, revoke", async () => {
  await using f = await startCliFixture();
  await enrollPair(f);
  const bare = await f.ok(["tunnelers", "show", "t1"]);
  assert.match(bare, /^TUNNELER_ID=t1$/m);
  assert.match(
    bare,
    /^# no connector admits "t1": postern-controller connectors allowlist CONNECTOR --add t1$/m,
  );

  await f.ok(["connectors", "allowlist", "c1", "--set", "t1"]);
  await f.ok(["connectors", "resources", "c1", "--set", "db.internal:5432,10.0.0.0/24:443"]);
  const show = await f.ok(["tunnelers", "show", "t1", "--connector-port", "19443"]);
  assert.match(show, /^spiffe_id\s+spiffe:\/\/postern\.internal\/tunneler\/t1$/m);
  assert.match(show, /^CONNECTOR_ADDR=c1@127\.0\.0\.1:19443$/m);
  assert.match(show, /^TUNNELER_FORWARDS=127\.0\.0\.1:15432=db\.internal:5432$/m);
  assert.match(show, /^# 10\.0\.0\.0\/24:443 is a range: forward to one host:port inside it$/m);
  const json = JSON.parse(await f.ok(["tunnelers", "show", "t1", "--json"]));
  assert.deepEqual(json.env, {
    TUNNELER_ID: "t1",
    CONNECTOR_ADDR: "c1@127.0.0.1:9443",
    TUNNELER_FORWARDS: "127.0.0.1:15432=db.internal:5432",
  });

  const list = (await f.ok(["tunnelers", "list"])).trimEnd().split("\n");
  assert.match(list[0]!, /^ID\s+STATUS\s+CONNECTOR\s+LAST SEEN\s+CERT EXPIRES$/);
  assert.match(list[1]!, /^t1\s+OFFLINE\s+-\s+/);
  const bad = await f.cli(["tunnelers", "show", "t1", "--connector-port", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^postern-controller: invalid --connector-port "0": use 1-65535$/m);

  assert.equal(await f.ok(["tunnelers", "revoke", "t1"]), 'revoked tunneler "t1"\n');
  assert.deepEqual(JSON.parse(await f.ok(["tunnelers", "list", "--json"])), []);
  const gone = await f.cli(["tunnelers", "show", "t9"]);
  assert.equal(gone.code, 1);
  assert.match(
    gone.stderr,
    /^postern-controller: tunneler "t9" not found \(HTTP 404 from GET \/api\/admin\/tunnelers\/t9\)$/m,
  );
  // Before it enrolls (or after a revocation) an admitted id still gets its environment.
  assert.equal(
    await f.ok(["tunnelers", "show", "t1", "--env", "--connector-port", "19443"]),
    "TUNNELER_ID=t1\nCONNECTOR_ADDR=c1@127.0.0.1:19443\nTUNNELER_FORWARDS=127.0.0.1:15432=db.internal:5432\n" +
      "# 10.0.0.0/24:443 is a range: forward to one host:port inside it\n",
  );
  assert.match(await f.ok(["tunnelers", "show", "t1"]), /^status\s+NOT ENROLLED$/m);
});
