/**
 * An unauthenticated client requests 2000 random paths of the admin listener (outside and
 * inside /api/admin, with and without a plausible id segment). /metrics labels requests by
 * route template, so its label set and its size stay what they were before the flood.
 */
import assert from "node:assert/strict";
import { prepareController } from "../support/controller.ts";
import { makeTestDir } from "../support/paths.ts";

function routeLabels(metrics: string): string[] {
  return [...new Set([...metrics.matchAll(/route="([^"]*)"/g)].map((m) => m[1]!))].sort();
}

Deno.test("a flood of random paths keeps /metrics and its route labels bounded", async () => {
  const dir = await makeTestDir({ prefix: "postern-metrics-flood-" });
  const c = await prepareController(dir);
  const controller = await c.start();
  const get = async (path: string, auth = false) => {
    const res = await fetch(
      c.adminUrl + path,
      auth ? { headers: { authorization: `Bearer ${c.adminToken}` } } : {},
    );
    await res.body?.cancel();
    return res.status;
  };
  try {
    const shapes = [
      () => `/${crypto.randomUUID()}`,
      () => `/api/admin/${crypto.randomUUID()}/${crypto.randomUUID()}`,
      () => `/api/admin/connectors/${crypto.randomUUID()}/${crypto.randomUUID()}`,
      () => `/api/admin/tunnelers/${crypto.randomUUID()}`,
    ];
    // One request of each shape first: the labels they make are the bounded set.
    for (const shape of shapes) await get(shape());
    await get("/metrics");
    const before = await (await fetch(`${c.adminUrl}/metrics`)).text();

    let sent = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (sent < 2000) {
        const i = sent++;
        await get(shapes[i % shapes.length]!(), i % 2 === 0);
      }
    }));

    const after = await (await fetch(`${c.adminUrl}/metrics`)).text();
    assert.deepEqual(routeLabels(after), routeLabels(before));
    assert.deepEqual(routeLabels(after), ["/api/admin/tunnelers/{id}", "/metrics", "/readyz", "unmatched"]);
    assert.equal(after.split("\n").length, before.split("\n").length);
    assert.ok(
      after.length < before.length + 200,
      `/metrics grew from ${before.length} to ${after.length} bytes`,
    );
  } finally {
    await controller.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
