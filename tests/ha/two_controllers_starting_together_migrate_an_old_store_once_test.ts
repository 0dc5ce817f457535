/**
 * Upgrades, real processes: an etcd store of the previous layout (no schema record, the records
 * and the obsolete `registry/agents_rev` counter) is migrated once when two new controllers start
 * on it at the same time: exactly one `store migrated` line, the counter gone, the schema record
 * written, the old records served by both.
 */
import { Etcd3 } from "etcd3";
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { startHa } from "./_ha.ts";

const PREFIX = "/postern/";

etcdTest("two controllers starting together on a store of the previous layout migrate it once", async () => {
  await using ha = await startHa(2, {}, {
    together: true,
    seed: async (etcd) => {
      const raw = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
      try {
        await raw.put(`${PREFIX}registry/agents_rev`).value(JSON.stringify("7"));
        await raw.put(`${PREFIX}policy_tokens/none`).value(JSON.stringify({ id: "none" }));
      } finally {
        raw.close();
      }
    },
  });
  const migrated = ha.controllers.flatMap((c) => c.process.lines.filter((l) => l.includes("store migrated")));
  assert.deepEqual(migrated.length, 1, `migration lines: ${JSON.stringify(migrated)}`);
  const raw = new Etcd3({ hosts: ha.etcd.endpoints.map((e) => `http://${e}`) });
  try {
    assert.deepEqual(
      await raw.get(`${PREFIX}registry/agents_rev`).string(),
      null,
      "the obsolete counter is gone",
    );
    assert.deepEqual(JSON.parse((await raw.get(`${PREFIX}meta/schema`).string())!).version, 1);
    assert.deepEqual(await raw.get(`${PREFIX}meta/migration`).string(), null, "the lock is released");
  } finally {
    raw.close();
  }
});
