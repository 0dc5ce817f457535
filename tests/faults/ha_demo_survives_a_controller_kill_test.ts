/**
 * `deno task demo --ha` as a newcomer runs it: it brings up three etcd members, two controllers,
 * two connectors and a tunneler, prints how to kill one of each, and after the printed
 * `kill -9` of a controller the tunnel still answers and the other controller still serves.
 */
import assert from "node:assert/strict";
import { etcdTest } from "../support/etcd_cluster.ts";
import { makeTestDir } from "../support/paths.ts";
import { startDeno } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";
import { PRIVATE_GREETING } from "../../shared/demo/topology.ts";

etcdTest(
  "deno task demo --ha prints how to kill a controller, and after that kill the tunnel answers",
  async () => {
    const dir = await makeTestDir({ prefix: "postern-demo-ha-" });
    const demo = startDeno(["task", "--quiet", "demo", "--ha"], { env: { POSTERN_DEMO_DIR: dir } });
    try {
      await demo.waitForLine("Ctrl-C stops everything", 120_000);
      const kill = demo.lines.find((l) => /kill -9 \d+ +# controller-0/.test(l));
      assert.ok(kill, demo.lines.join("\n"));
      const forward = /curl (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(
        demo.lines.find((l) => l.includes("Through the tunnel:")) ?? "",
      )?.[1];
      assert.ok(forward, demo.lines.join("\n"));
      const readyz = /Then: curl (\S+\/readyz)/.exec(demo.lines.join("\n"))?.[1];
      assert.ok(readyz, demo.lines.join("\n"));

      Deno.kill(Number(/kill -9 (\d+)/.exec(kill)![1]), "SIGKILL");
      await waitFor(
        "the tunnel to answer after the kill",
        async () => {
          const r = await fetch(forward, { signal: AbortSignal.timeout(3_000) });
          return (await r.text()) === PRIVATE_GREETING || undefined;
        },
        15_000,
        200,
        demo,
      );
      const r = await fetch(readyz);
      assert.deepEqual(r.status, 200, await r.text());
    } finally {
      await demo.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    assert.ok(demo.lines.includes("stopped."), demo.lines.join("\n"));
  },
);
