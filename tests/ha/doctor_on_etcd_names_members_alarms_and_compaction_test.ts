/**
 * `postern-controller doctor` beside a controller on a three-member etcd cluster (real processes):
 * one `[ok] etcd` line per member, the quorum, no alarm, the history kept; with one member
 * stopped, a `[FAIL] etcd` line naming it and exit 1, the quorum still there.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { startProgram } from "../support/process.ts";
import { startHa } from "./_ha.ts";

etcdTest("doctor on etcd names every member, the quorum, alarms and compaction", async () => {
  await using ha = await startHa(1);
  const env = ha.controllers[0]!.env as Record<string, string>;
  const doctor = async () => {
    const p = startProgram("controller", { args: ["doctor"], env });
    return { code: await p.exited, out: p.lines.join("\n") };
  };
  const good = await doctor();
  assert.deepEqual(good.code, 0, good.out);
  for (const e of ha.etcd.endpoints) {
    assert.ok(good.out.includes(`[ok] etcd etcd member ${e} answers`), good.out);
  }
  assert.ok(good.out.includes("[ok] etcd 3 of 3 etcd members of CONTROLLER_STORE answer"), good.out);
  assert.ok(good.out.includes("[ok] etcd no etcd alarm is raised"), good.out);
  assert.ok(/\[ok\] etcd etcd keeps \d+ revisions of history/.test(good.out), good.out);

  await ha.etcd.stop(1);
  const degraded = await doctor();
  assert.deepEqual(degraded.code, 1, degraded.out);
  assert.ok(
    degraded.out.includes(`[FAIL] etcd etcd member ${ha.etcd.endpoints[1]} does not answer`),
    degraded.out,
  );
  assert.ok(degraded.out.includes("[ok] etcd 2 of 3 etcd members of CONTROLLER_STORE answer"), degraded.out);
});
