/**
 * Attack: an API key holder sends `X-Postern-Actor` to have its changes recorded as someone else's.
 * The header is believed only with the bootstrap token (the UI's), and then recorded as
 * `ui:<operator>`; an API key's changes carry its own name whatever it sends.
 */
import assert from "node:assert/strict";
import { startHarness } from "../controller/harness.ts";
import { createApiKey, withKey } from "./_api_keys.ts";

Deno.test("events carry the actor: the key's name, bootstrap, or ui:<operator>; a key cannot forge another", async () => {
  await using h = await startHarness();
  const { key } = await createApiKey(h, "ci-deploy", "admin");
  const put = (tunnelers: string[], init: RequestInit) =>
    h.admin("/api/admin/connectors/c1/allowlist", { ...init, method: "PUT", json: { tunnelers } });

  const forged = await withKey(h, key, "/api/admin/connectors/c1/allowlist", {
    method: "PUT",
    json: { tunnelers: ["t1"] },
    headers: { "x-postern-actor": "alice" },
  });
  assert.equal(forged.status, 200);
  await forged.body?.cancel();
  for (
    const [tunnelers, init] of [[["t2"], {}], [["t3"], { headers: { "x-postern-actor": "alice" } }]] as const
  ) {
    const res = await put([...tunnelers], init);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  const bad = await put(["t4"], { headers: { "x-postern-actor": "../root" } });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /^invalid x-postern-actor header: invalid id "\.\.\/root"/);

  const { events } = await (await h.admin("/api/admin/events?kind=connector.allowlist_changed")).json();
  const seen = events.map((e: { actor: string; tunnelers: string[] }) => [e.actor, e.tunnelers[0]]).reverse();
  assert.deepEqual(seen, [["ci-deploy", "t1"], ["bootstrap", "t2"], ["ui:alice", "t3"]]);
  const { events: made } = await (await h.admin("/api/admin/events?kind=api_key.created")).json();
  assert.equal(made[0].actor, "bootstrap");
});
