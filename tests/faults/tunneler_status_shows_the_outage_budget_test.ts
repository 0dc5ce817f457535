/**
 * The outage budget on the tunneler, real processes: a tunneler talks to the controller only to
 * renew, so its outage starts with the first renewal that finds no controller. With 8-second
 * certificates and the controller killed, `status --json` says since when no controller answered
 * and how many seconds its certificate has left; once the controller is back a renewal ends it.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";

Deno.test("a tunneler whose renewal finds no controller reports since when and the budget left, until a renewal succeeds", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { TUNNELER_CERT_TTL: "8s" });
  try {
    const { tunneler } = await connectorAndTunneler(c, "127.0.0.1:9");
    const report = async () => {
      const st = c.start("tunneler", ["status", "--json"], { TUNNELER_STATE_DIR: `${dir.path}/tunneler-t1` });
      assert.equal(await st.exited, 0, st.lines.join("\n"));
      return JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
    };
    assert.deepEqual((await report()).outage, undefined);

    const killedAt = Date.now();
    await c.controller.stop("SIGKILL");
    await tunneler.waitForLine("certificate renewal failed", 15_000);
    const outage = await waitFor(
      "the outage in status --json",
      async () => (await report()).outage,
      10_000,
      300,
    );
    assert.ok(Date.parse(outage.controller_unreachable_since) >= killedAt - 1_000, JSON.stringify(outage));
    const notAfter = Date.parse(outage.certificate_not_after);
    assert.ok(notAfter > killedAt && notAfter - Date.now() < 8_000, JSON.stringify(outage));
    assert.ok(outage.budget_left_s >= 0 && outage.budget_left_s <= 8, JSON.stringify(outage));

    await c.startController();
    await waitFor(
      "a renewal to end the outage",
      async () => ((await report()).outage ? undefined : true),
      30_000,
      300,
      tunneler,
    );
    assert.ok(tunneler.lines.some((l) => l.includes("certificate renewed")), tunneler.lines.join("\n"));
  } finally {
    await c.close();
  }
});
