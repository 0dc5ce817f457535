import assert from "node:assert/strict";
import { etcdTest, startEtcdCluster } from "../../tests/support/etcd_cluster.ts";
import { createLogger } from "../../shared/log/logger.ts";
import { openEtcdStore } from "./etcd_store.ts";
import { ensureSchema, OBSOLETE_AGENTS_REV, SCHEMA_KEY, SCHEMA_VERSION } from "./schema.ts";
import { put } from "./store.ts";

etcdTest(
  "ensureSchema() racing on two etcd clients: one migrates a store of the previous layout, the other waits",
  async () => {
    const etcd = await startEtcdCluster();
    try {
      for (let round = 0; round < 10; round++) {
        const prefix = `/schema-race-${round}/`;
        const [a, b] = [
          await openEtcdStore({ endpoints: etcd.endpoints, prefix }),
          await openEtcdStore({ endpoints: etcd.endpoints, prefix }),
        ];
        const lines: string[] = [];
        const log = createLogger({ write: (l) => lines.push(l) });
        try {
          await put(a, OBSOLETE_AGENTS_REV, "7");
          await put(a, ["agents", "connector", "c1"], { id: "c1" });
          const versions = await Promise.all([ensureSchema(a, { log }), ensureSchema(b, { log })]);
          assert.deepEqual(versions, [SCHEMA_VERSION, SCHEMA_VERSION]);
          assert.deepEqual(lines.filter((l) => l.includes("store migrated")).length, 1, `round ${round}`);
          assert.deepEqual((await b.get(OBSOLETE_AGENTS_REV)).version, null);
          assert.deepEqual((await b.get<{ version: number }>(SCHEMA_KEY)).value?.version, SCHEMA_VERSION);
        } finally {
          await a.close();
          await b.close();
        }
      }
    } finally {
      await etcd.close();
    }
  },
);
