/**
 * A controller whose etcd cannot be reached does not serve on a store it cannot use: it exits 1
 * (systemd restarts it) within its deadline, saying etcd is unreachable and where it looked.
 */
import assert from "node:assert/strict";
import { prepareController, serveExpectingExit } from "../support/controller.ts";
import { etcdTest } from "../support/etcd_cluster.ts";
import { freePort } from "../support/ports.ts";
import { tempDir } from "../support/paths.ts";
import { within } from "../support/within.ts";

etcdTest("a controller whose etcd is unreachable exits 1 naming the endpoint", async () => {
  await using dir = await tempDir("postern-ha-");
  const keyFile = `${dir.path}/sealing.key`;
  await Deno.writeTextFile(keyFile, btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))));
  const endpoint = `127.0.0.1:${freePort()}`; // nothing listens there
  const tc = await prepareController(dir.path, {
    CONTROLLER_STORE: `etcd://${endpoint}`,
    CA_KEY_ENCRYPTION_KEY_FILE: keyFile,
  });
  const { code, out } = await within(serveExpectingExit({ ...tc.env }), 30_000, "the controller's exit");
  assert.deepEqual(code, 1, out);
  assert.match(out, new RegExp(RegExp.escape(`etcd has no quorum or is unreachable at "${endpoint}"`)));
});
