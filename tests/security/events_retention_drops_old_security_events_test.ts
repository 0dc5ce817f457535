/**
 * With EVENTS_RETENTION=1s, security events older than a second are no longer listed, and the
 * next write deletes them from storage.
 */
import assert from "node:assert/strict";
import { prepareController } from "../support/controller.ts";
import { waitFor } from "../support/wait_for.ts";
import { makeTestDir } from "../support/paths.ts";

Deno.test("EVENTS_RETENTION=1s drops security events older than a second", async () => {
  const dir = await makeTestDir({ prefix: "postern-events-retention-" });
  const c = await prepareController(dir);
  const controller = await c.start({ EVENTS_RETENTION: "1s" });
  const tokenEvents = async () => {
    const { body } = await c.admin("GET", "/api/admin/events?kind=token.created");
    return body.events as Array<{ token_id: string }>;
  };
  try {
    const old = (await c.admin("POST", "/api/admin/tokens", { role: "tunneler" })).body.id;
    assert.deepEqual((await tokenEvents()).map((e) => e.token_id), [old]);
    await waitFor(
      "the old event to be gone",
      async () => (await tokenEvents()).length === 0 || undefined,
      10_000,
    );
    const fresh = (await c.admin("POST", "/api/admin/tokens", { role: "tunneler" })).body.id;
    assert.deepEqual((await tokenEvents()).map((e) => e.token_id), [fresh]);
  } finally {
    await controller.stop();
  }
  const kv = await Deno.openKv(`${dir}/controller/controller.kv`);
  try {
    const stored: string[] = [];
    for await (const e of kv.list<{ kind: string; token_id?: string }>({ prefix: ["events"] })) {
      if (e.value.kind === "token.created") stored.push(e.value.token_id!);
    }
    assert.ok(stored.length <= 1, `stored token events: ${stored}`);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
