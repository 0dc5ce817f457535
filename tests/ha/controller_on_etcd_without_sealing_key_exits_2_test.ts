/**
 * The CA private key is never written to a shared store in clear: a controller on etcd without
 * CA_KEY_ENCRYPTION_KEY_FILE refuses to start (exit 2) and writes nothing to etcd.
 */
import { Etcd3 } from "etcd3";
import { initCa } from "../../controller/init_ca.ts";
import assert from "node:assert/strict";
import { prepareController, serveExpectingExit } from "../support/controller.ts";
import { etcdTest, startEtcdCluster } from "../support/etcd_cluster.ts";
import { tempDir } from "../support/paths.ts";

etcdTest("a controller on etcd without CA_KEY_ENCRYPTION_KEY_FILE exits 2 and writes nothing", async () => {
  await using dir = await tempDir("postern-ha-");
  const etcd = await startEtcdCluster();
  try {
    await initCa(`${dir.path}/unused`);
    const tc = await prepareController(dir.path, { CONTROLLER_STORE: etcd.storeUrl });
    const { code, out } = await serveExpectingExit({ ...tc.env });
    assert.deepEqual(code, 2, out);
    assert.match(out, /CA_KEY_ENCRYPTION_KEY_FILE is required with an etcd CONTROLLER_STORE/);
    const raw = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
    try {
      assert.deepEqual(await raw.getAll().prefix("/postern/").keys(), []);
    } finally {
      raw.close();
    }
  } finally {
    await etcd.close();
  }
});
