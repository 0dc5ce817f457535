/** `postern-controller tokens ...` against a real controller: good input, bad input, refusals. */
import assert from "node:assert/strict";
import { startCliFixture } from "./_cli.ts";

Deno.test("tokens create prints the token alone, list shows it without the secret, revoke revokes it", async () => {
  await using f = await startCliFixture();
  const token =
    (await f.ok(["tokens", "create", "--role", "tunneler", "--id", "t1", "--ttl", "30m", "--note", "laptop"]))
      .trim();
  assert.match(token, /^pt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const tokenId = token.split("_")[1]!;

  const table = await f.ok(["tokens", "list"]);
  assert.ok(!table.includes(token.slice(20)), "the secret is listed");
  const [header, row] = table.trimEnd().split("\n");
  assert.match(header!, /^ID\s+ROLE\s+AGENT\s+STATUS\s+EXPIRES\s+USED BY\s+NOTE$/);
  assert.match(row!, new RegExp(`^${tokenId}\\s+tunneler\\s+t1\\s+active\\s+\\S+Z\\s+-\\s+laptop$`));

  const listed = JSON.parse(await f.ok(["tokens", "list", "--json"]));
  assert.equal(listed.length, 1);
  const ttl = Date.parse(listed[0].expires_at) - Date.parse(listed[0].created_at);
  assert.ok(Math.abs(ttl - 30 * 60_000) <= 1000, `ttl ${ttl}`);

  const created = JSON.parse(await f.ok(["tokens", "create", "--role", "connector", "--json"]));
  assert.equal(created.role, "connector");
  assert.equal(created.agent_id, null);
  assert.match(created.token, /^pt_/);

  assert.equal(await f.ok(["tokens", "revoke", tokenId]), `revoked enrollment token ${tokenId}\n`);
  const after = JSON.parse(await f.ok(["tokens", "list", "--json"]));
  assert.equal(after.find((t: { id: string }) => t.id === tokenId).status, "revoked");
});

Deno.test("tokens: usage mistakes exit 2 with the usage, API refusals exit 1 with the API's message", async () => {
  await using f = await startCliFixture();
  const cases: [string[], number, RegExp][] = [
    [["tokens"], 2, /^postern-controller: tokens needs a command\n\npostern-controller tokens: /m],
    [
      ["tokens", "mint"],
      2,
      /^postern-controller: unknown command "tokens mint"\n\n.*\n\nUsage:\n {2}postern-controller tokens create/m,
    ],
    [
      ["tokens", "create"],
      2,
      /^postern-controller: --role is required\n\nUsage: postern-controller tokens create/m,
    ],
    [
      ["tokens", "create", "--role", "admin"],
      2,
      /^postern-controller: invalid --role "admin": use connector or tunneler$/m,
    ],
    [
      ["tokens", "create", "--role", "tunneler", "--ttl", "forever"],
      2,
      /^postern-controller: --ttl: invalid duration "forever"/m,
    ],
    [
      ["tokens", "create", "--role", "tunneler", "--colour", "red"],
      2,
      /^postern-controller: unknown option '--colour'$/m,
    ],
    [["tokens", "revoke"], 2, /^postern-controller: missing ID$/m],
    [["tokens", "list", "extra"], 2, /^postern-controller: unexpected argument "extra"$/m],
    [
      ["tokens", "create", "--role", "tunneler", "--id", "../x"],
      1,
      /^postern-controller: invalid id "\.\.\/x": use 1-64 characters .* \(HTTP 400 from POST \/api\/admin\/tokens\)$/m,
    ],
    [
      ["tokens", "revoke", "0123456789abcdef"],
      1,
      /^postern-controller: token "0123456789abcdef" not found \(HTTP 404 from DELETE \/api\/admin\/tokens\/0123456789abcdef\)$/m,
    ],
    [
      ["tokens", "revoke", "nothex"],
      1,
      /^postern-controller: invalid token id "nothex": 16 hex digits expected/m,
    ],
  ];
  for (const [args, code, stderr] of cases) {
    const r = await f.cli(args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
  const help = await f.cli(["tokens", "create", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: postern-controller tokens create --role connector\|tunneler/);
  assert.match(help.stdout, /--ttl DURATION/);
  assert.deepEqual(JSON.parse(await f.ok(["tokens", "list", "--json"])), []);
});
