/**
 * Fault, real processes (root only: it loop-mounts an ext4): the file system of the controller's
 * Deno KV turns read-only while the controller runs (an ext4 error with `errors=remount-ro`, what
 * the kernel does to a failing disk; a plain `mount -o remount,ro` is refused while the database is
 * open for writing). /readyz says not ready naming Deno KV and the fix, writes through the admin
 * API are refused with 503 and the same words, reads keep answering and the process keeps running.
 * Once the disk is repaired and writable again, the controller on the same state is ready, takes
 * writes and still has what it stored before.
 */
import assert from "node:assert/strict";
import { waitFor } from "../support/wait_for.ts";
import { CAN_LOOP, KV_READ_ONLY_SKIP, withKvOnExt4 } from "./kv_tmpfs.ts";

/** What the operator reads: SQLite's own words in the middle, the thing and the fix around them. */
const READ_ONLY =
  /^Deno KV does not take writes: .*(readonly database|read-only|disk I\/O error).*: free space on the disk of CONTROLLER_STATE_DIR or make it writable$/;

if (!CAN_LOOP) console.error(KV_READ_ONLY_SKIP);

Deno.test({
  name: "Deno KV disk turned read-only: /readyz not ready, writes refused clearly, recovery once writable",
  ignore: !CAN_LOOP,
  fn: () =>
    withKvOnExt4(async (k) => {
      const { tc, readyz } = k;
      const before = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler", id: "t-before" });
      assert.deepEqual(before.status, 201, JSON.stringify(before.body));
      assert.deepEqual((await readyz()).status, 200);

      await k.fail();
      let notReady = { status: 0, body: "" };
      await waitFor(
        "/readyz to say not ready on a read-only disk",
        async () => (notReady = await readyz()).status === 503 || undefined,
        20_000,
        50,
        k.controller,
      );
      const ready = JSON.parse(notReady.body);
      assert.deepEqual(
        [ready.status, ready.kv, ready.store.kind, ready.store.writable],
        ["not ready", false, "kv", false],
        notReady.body,
      );
      assert.deepEqual(ready.store.problems.length, 1, notReady.body);
      assert.match(ready.store.problems[0], READ_ONLY);

      const refused = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" });
      assert.deepEqual(refused.status, 503, JSON.stringify(refused.body));
      assert.match(refused.body.error, READ_ONLY);
      assert.deepEqual((await tc.admin("GET", "/api/admin/tunnelers")).status, 200, "reads keep answering");
      assert.deepEqual(await Promise.race([k.controller.exited, Promise.resolve("running")]), "running");

      await k.repairAndRestart();
      assert.deepEqual((await readyz()).status, 200);
      const after = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" });
      assert.deepEqual(after.status, 201, JSON.stringify(after.body));
      const tokens = await tc.admin("GET", "/api/admin/tokens");
      assert.match(
        JSON.stringify(tokens.body),
        /t-before/,
        "what was stored before the fault is still there",
      );
    }),
});
