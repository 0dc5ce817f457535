/**
 * Attack surface, the operator's way out: `force: true` retires a CA although an agent still holds
 * a certificate it issued (the guard of
 * ca_retire_refused_while_an_agent_holds_its_certificate_test.ts answers 409 without it).
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { prepareNextCa, startCluster } from "../agents/_cluster.ts";

Deno.test("ca retire with force: true goes through while an agent holds a certificate of that CA", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    await c.runConnector("c1", 0, {}, await c.token("connector", "c1"));
    const { previous: oldFp, next } = await prepareNextCa(c);
    const step = async (name: string, body: Record<string, unknown>) => {
      const r = await c.admin("POST", `/api/admin/ca/rotate/${name}`, body);
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
    };
    await step("activate", { fingerprint: next, force: true });
    const refused = await c.admin("POST", "/api/admin/ca/rotate/retire", { fingerprint: oldFp });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    await step("retire", { fingerprint: oldFp, force: true });
    const cas = (await c.admin("GET", "/api/admin/ca")).body.cas.map((x: { fingerprint: string }) =>
      x.fingerprint
    );
    assert.deepEqual(cas, [next]);
  } finally {
    await c.close();
  }
});
