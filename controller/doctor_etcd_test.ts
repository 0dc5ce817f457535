import { Etcd3 } from "etcd3";
import assert from "node:assert/strict";
import { etcdTest, startEtcdCluster } from "../tests/support/etcd_cluster.ts";
import { waitFor } from "../tests/support/wait_for.ts";
import { parseHostPort } from "../shared/net/host_port.ts";
import { etcdFindings } from "./doctor_etcd.ts";
import type { EtcdStoreConfig } from "./store/open.ts";

const PREFIX = "/postern/";

function configOf(endpoints: string[]): EtcdStoreConfig {
  return { kind: "etcd", endpoints: endpoints.map((e) => parseHostPort(e)), prefix: PREFIX };
}

etcdTest(
  "doctor on etcd: every member answers, no alarm, the history compaction keeps; a stopped member is named",
  async () => {
    const etcd = await startEtcdCluster({ members: 3 });
    const raw = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
    try {
      for (let i = 0; i < 30; i++) await raw.put(`${PREFIX}k${i}`).value(String(i));
      const head = BigInt((await raw.get(`${PREFIX}k0`).exec()).header.revision);
      await raw.kv.compact({ revision: String(head - 10n), physical: true });
      const found = await etcdFindings(configOf(etcd.endpoints));
      assert.ok(found.every((f) => f.ok), JSON.stringify(found, null, 1));
      assert.deepEqual(found.filter((f) => f.what.startsWith("etcd member ")).length, 3);
      assert.ok(
        found.some((f) => f.what === "3 of 3 etcd members of CONTROLLER_STORE answer"),
        JSON.stringify(found),
      );
      assert.ok(found.some((f) => f.what === "no etcd alarm is raised"));
      const compaction = found.find((f) => f.what.startsWith("etcd keeps "))!;
      assert.deepEqual(
        compaction.what,
        `etcd keeps 10 revisions of history (compacted up to ${head - 10n}, now at ${head})`,
      );

      await etcd.stop(2);
      const after = await etcdFindings(configOf(etcd.endpoints));
      const down = after.filter((f) => !f.ok);
      assert.deepEqual(down.length, 1, JSON.stringify(after, null, 1));
      assert.ok(
        down[0]!.what.startsWith(`etcd member ${etcd.endpoints[2]} does not answer: `),
        down[0]!.what,
      );
      assert.ok(after.some((f) => f.ok && f.what === "2 of 3 etcd members of CONTROLLER_STORE answer"));
    } finally {
      raw.close();
      await etcd.close();
    }
  },
);

etcdTest("doctor on etcd: a NOSPACE alarm fails with the remedy", async () => {
  const etcd = await startEtcdCluster({ quotaBackendBytes: 1024 * 1024 });
  const raw = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
  try {
    for (let i = 0; i < 30; i++) await raw.put(`${PREFIX}k${i}`).value(String(i));
    const big = "x".repeat(200_000);
    await waitFor(
      "etcd to raise NOSPACE",
      async () => {
        try {
          await raw.put(`${PREFIX}fill/${crypto.randomUUID()}`).value(big);
          return undefined;
        } catch (e) {
          return /space/i.test((e as Error).message) || undefined;
        }
      },
      60_000,
      0,
    );
    const found = await etcdFindings(configOf(etcd.endpoints));
    const alarm = found.find((f) => f.what.startsWith("etcd alarm raised: "));
    assert.ok(alarm && !alarm.ok && alarm.what.includes("NOSPACE"), JSON.stringify(found, null, 1));
    assert.ok(alarm.remedy.includes("etcdctl alarm disarm"), alarm.remedy);
  } finally {
    raw.close();
    await etcd.close();
  }
});
