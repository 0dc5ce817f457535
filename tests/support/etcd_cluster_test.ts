import assert from "node:assert/strict";
import { etcdTest, startEtcdCluster } from "./etcd_cluster.ts";

async function health(endpoint: string): Promise<string> {
  const res = await fetch(`http://${endpoint}/health`, { signal: AbortSignal.timeout(5_000) });
  return ((await res.json()) as { health: string }).health;
}

etcdTest("startEtcdCluster() starts a healthy one-member cluster and removes its data on close", async () => {
  const cluster = await startEtcdCluster();
  const dir = cluster.members[0]!.dataDir;
  try {
    assert.deepEqual(await health(cluster.endpoints[0]!), "true");
    assert.ok(cluster.storeUrl.startsWith("etcd://127.0.0.1:"), cluster.storeUrl);
  } finally {
    await cluster.close();
  }
  assert.deepEqual(await Deno.stat(dir).then(() => true, () => false), false);
});

etcdTest("a three-member cluster loses quorum with two members down and regains it on restart", async () => {
  const cluster = await startEtcdCluster({ members: 3 });
  try {
    await cluster.kill(1);
    await cluster.stop(2);
    assert.deepEqual(await health(cluster.endpoints[0]!), "false");
    await cluster.restart(1);
    await cluster.restart(2);
    await cluster.waitHealthy();
    for (const e of cluster.endpoints) assert.deepEqual(await health(e), "true");
  } finally {
    await cluster.close();
  }
});
