/**
 * With EVENTS_MAX=5, a controller that records 20 security events (20 tokens created) lists
 * and stores only the newest 5: whoever can make the controller record events cannot make its
 * audit trail grow without bound.
 */
import assert from "node:assert/strict";
import { prepareController } from "../support/controller.ts";
import { makeTestDir } from "../support/paths.ts";

Deno.test("EVENTS_MAX=5 keeps the newest 5 security events", async () => {
  const dir = await makeTestDir({ prefix: "postern-events-max-" });
  const c = await prepareController(dir);
  const controller = await c.start({ EVENTS_MAX: "5", FLOW_EVENTS_MAX: "3" });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push((await c.admin("POST", "/api/admin/tokens", { role: "tunneler" })).body.id);
    }
    const { body } = await c.admin("GET", "/api/admin/events?limit=1000");
    assert.deepEqual(
      body.events.map((e: { kind: string; token_id: string }) => `${e.kind} ${e.token_id}`),
      ids.slice(-5).reverse().map((id) => `token.created ${id}`),
    );
  } finally {
    await controller.stop();
  }
  // What is stored, not only what is listed: a KV that holds no more than 5 events.
  const kv = await Deno.openKv(`${dir}/controller/controller.kv`);
  try {
    let stored = 0;
    for await (const _ of kv.list({ prefix: ["events"] })) stored++;
    assert.equal(stored, 5);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
