/**
 * `postern-controller api-keys ...` against a real controller, and the commands run with the keys
 * it makes: a read key reads and is refused writes (exit 1 with the API's 403), a revoked key
 * gets 401, the list never holds a key.
 */
import assert from "node:assert/strict";
import { startCliFixture } from "./_cli.ts";

Deno.test("api-keys create prints the key alone; a read key lists but cannot write; revoke ends it", async () => {
  await using f = await startCliFixture();
  const key = (await f.ok(["api-keys", "create", "--name", "dashboard", "--scope", "read"])).trim();
  assert.match(key, /^pak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const id = key.split("_")[1]!;
  const asReader = { ADMIN_AUTH_TOKEN: key };

  assert.equal(await f.ok(["tokens", "list"], asReader), "no enrollment tokens\n");
  const write = await f.cli(["tokens", "create", "--role", "tunneler"], asReader);
  assert.equal(write.code, 1);
  assert.match(
    write.stderr,
    /^postern-controller: API key "dashboard" has scope read: it may only GET \(HTTP 403 from POST \/api\/admin\/tokens\)$/m,
  );
  assert.equal(write.stdout, "");

  const table = await f.ok(["api-keys", "list"], asReader);
  assert.match(
    table,
    new RegExp(`^ID\\s+NAME\\s+SCOPE\\s+CREATED\\n${id}\\s+dashboard\\s+read\\s+\\S+Z\\n$`),
  );
  const listed = await f.ok(["api-keys", "list", "--json"]);
  assert.ok(!listed.includes(key.slice(21)), "the key is listed");
  assert.deepEqual(JSON.parse(listed).map((k: { name: string }) => k.name), ["dashboard"]);

  const made = JSON.parse(await f.ok(["api-keys", "create", "--name", "ci", "--scope", "admin", "--json"]));
  assert.deepEqual([made.name, made.scope], ["ci", "admin"]);
  assert.match(made.key, /^pak_/);

  assert.equal(await f.ok(["api-keys", "revoke", id]), `revoked API key ${id}\n`);
  const revoked = await f.cli(["tokens", "list"], asReader);
  assert.equal(revoked.code, 1);
  assert.match(
    revoked.stderr,
    /^postern-controller: invalid admin token \(HTTP 401 from GET \/api\/admin\/tokens\)$/m,
  );

  const cases: [string[], number, RegExp][] = [
    [["api-keys", "create", "--name", "x"], 2, /^postern-controller: --scope is required\n/m],
    [
      ["api-keys", "create", "--name", "x", "--scope", "root"],
      2,
      /^postern-controller: invalid --scope "root": use admin or read$/m,
    ],
    [["api-keys", "create", "--scope", "read"], 2, /^postern-controller: --name is required$/m],
    [
      ["api-keys", "create", "--name", "ci", "--scope", "read"],
      1,
      /^postern-controller: an API key named "ci" exists: revoke it first or pick another name \(HTTP 409/m,
    ],
    [
      ["api-keys", "revoke", id],
      1,
      new RegExp(`^postern-controller: API key "${id}" not found \\(HTTP 404`, "m"),
    ],
  ];
  for (const [args, code, stderr] of cases) {
    const r = await f.cli(args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(" "));
  }
});
