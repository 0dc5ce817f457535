/**
 * `postern-controller events` against a real controller: the recent events with their actor,
 * filters, --json, and --follow streaming until interrupted or until the controller goes away.
 */
import assert from "node:assert/strict";
import { startProgram } from "../support/process.ts";
import { startCliFixture } from "./_cli.ts";

Deno.test("events lists recent events oldest first with their actor; --kind and --agent filter; --json parses", async () => {
  await using f = await startCliFixture();
  await f.ok(["tokens", "create", "--role", "tunneler", "--id", "t1"]);
  await f.ok(["connectors", "allowlist", "c1", "--add", "t1"]);
  const key = (await f.ok(["api-keys", "create", "--name", "ci-deploy", "--scope", "admin"])).trim();
  await f.ok(["connectors", "resources", "c1", "--add", "db:5432"], { ADMIN_AUTH_TOKEN: key });

  const lines = (await f.ok(["events"])).trimEnd().split("\n");
  assert.match(lines[0]!, /^TIME\s+KIND\s+ACTOR\s+AGENT\s+MESSAGE$/);
  const kinds = lines.slice(1).map((l) => l.split(/\s{2,}/).slice(1, 4));
  assert.deepEqual(kinds, [
    ["token.created", "bootstrap", "t1"],
    ["connector.allowlist_changed", "bootstrap", "c1"],
    ["api_key.created", "bootstrap", "-"],
    ["connector.resources_changed", "ci-deploy", "c1"],
  ]);
  const page = JSON.parse(await f.ok(["events", "--kind", "connector.", "--agent", "c1", "--json"]));
  assert.deepEqual(page.events.map((e: { kind: string }) => e.kind), [
    "connector.resources_changed",
    "connector.allowlist_changed",
  ]);
  assert.equal(await f.ok(["events", "--agent", "nobody"]), "no events\n");
  const bad = await f.cli(["events", "--limit", "0"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^postern-controller: invalid --limit "0": use 1-1000\n\nUsage: postern-controller events/m,
  );
});

Deno.test("events --follow prints new matching events as they happen and exits 0 when interrupted", async () => {
  await using f = await startCliFixture();
  await f.ok(["tokens", "create", "--role", "connector"]);
  const follow = startProgram("controller", {
    args: ["events", "--follow", "--kind", "token.", "--json"],
    env: f.env,
  });
  try {
    const past = JSON.parse(await follow.waitForLine(/^\{.*"kind":"token.created"/, 20_000));
    assert.equal(past.kind, "token.created");
    await f.ok(["connectors", "allowlist", "c1", "--add", "t1"]);
    const id = (await f.ok(["tokens", "create", "--role", "tunneler", "--id", "t7"])).trim().split("_")[1];
    const line = await follow.waitForLine(`"token_id":"${id}"`, 15_000);
    const live = JSON.parse(line);
    assert.deepEqual([live.kind, live.agent, live.actor], ["token.created", "t7", "bootstrap"]);
    assert.ok(
      !follow.lines.some((l) => l.includes("allowlist_changed")),
      "the --kind filter let another kind through",
    );
  } finally {
    assert.equal(await follow.stop("SIGINT"), 0, follow.lines.join("\n"));
  }
});

Deno.test("events --follow exits 1 when the controller goes away", async () => {
  const f = await startCliFixture();
  const follow = startProgram("controller", { args: ["events", "--follow"], env: f.env });
  try {
    await follow.waitForLine(/^TIME\s+KIND/, 20_000);
    await f[Symbol.asyncDispose]();
    assert.equal(await follow.exited, 1);
    assert.ok(
      follow.lines.some((l) =>
        /^postern-controller: the admin API at .* (closed|broke off) the event stream/.test(l)
      ),
      follow.lines.join("\n"),
    );
  } finally {
    await follow.stop();
    await f[Symbol.asyncDispose]();
  }
});
