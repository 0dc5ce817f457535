/**
 * Fault, real processes (root only: it mounts a tmpfs): the controller's Deno KV lives on a small
 * tmpfs, which is then filled. /readyz says not ready naming Deno KV and the disk, writes through
 * the admin API are refused with a clear error (no crash: the process keeps serving reads), and
 * once the space returns /readyz is ready and writes go through again.
 */
import assert from "node:assert/strict";
import { waitFor } from "../support/wait_for.ts";
import { CAN_MOUNT, KV_FAULT_SKIP, run, withKvOnTmpfs } from "./kv_tmpfs.ts";

const FULL =
  "Deno KV does not take writes: database or disk is full: free space on the disk of CONTROLLER_STATE_DIR or make it writable";

if (!CAN_MOUNT) console.error(KV_FAULT_SKIP);

Deno.test({
  name: "Deno KV disk full: /readyz not ready, writes refused clearly, recovery when space returns",
  ignore: !CAN_MOUNT,
  fn: () =>
    withKvOnTmpfs(async ({ tc, controller, stateDir, readyz }) => {
      assert.deepEqual((await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" })).status, 201);

      // Fill the disk: one file takes whatever is left.
      const filler = `${stateDir}/filler`;
      await run("sh", ["-c", `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; true`]);
      let notReady = { status: 0, body: "" };
      let tokens = 0;
      await waitFor(
        "/readyz to say not ready on a full disk",
        async () => {
          // Writes fill whatever pages were free; each one that still fits counts.
          const w = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" });
          if (w.status === 201) tokens++;
          notReady = await readyz();
          return notReady.status === 503 || undefined;
        },
        20_000,
        50,
        controller,
      );
      assert.match(notReady.body, new RegExp(RegExp.escape(FULL)));
      const refused = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" });
      assert.deepEqual(refused.status, 503, JSON.stringify(refused.body));
      assert.match(refused.body.error, new RegExp(RegExp.escape(FULL)));
      assert.ok(tokens < 1000, `tokens made on a full disk: ${tokens}`);
      const list = await tc.admin("GET", "/api/admin/tunnelers");
      assert.deepEqual(list.status, 200, "reads keep answering");
      assert.deepEqual(await Promise.race([controller.exited, Promise.resolve("running")]), "running");

      await Deno.remove(filler);
      await waitFor(
        "/readyz ready once space returns",
        async () => (await readyz()).status === 200 || undefined,
        20_000,
        100,
        controller,
      );
      assert.deepEqual((await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" })).status, 201);
    }),
});
