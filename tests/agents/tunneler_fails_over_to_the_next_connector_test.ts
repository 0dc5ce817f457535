/**
 * Real processes: two connectors c1 and c2 serve the same resource and a tunneler has
 * `CONNECTOR_ADDR=c1@...,c2@...`. It uses c1; after c1 is killed (SIGKILL) a live tunnel through
 * c1 ends with a line naming c1, new connections through the forward succeed via c2 within a few
 * seconds, the heartbeat session moves to c2, `status --json` names c2 and t1 is ONLINE.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { roundTripText } from "./_fixture.ts";
import { clusterWithEcho, servingConnector } from "./_cluster.ts";

Deno.test("a tunneler moves its tunnels and heartbeat session to c2 when c1 is killed", async () => {
  await using rig = await clusterWithEcho();
  const { c, dir, echo } = rig;
  const resource = `127.0.0.1:${echo.port}`;
  const c1 = await servingConnector(c, "c1", resource);
  const c2 = await servingConnector(c, "c2", resource);
  const fwdPort = freePort();
  const tunneler = c.start("tunneler", ["run"], {
    ...c.tunnelerEnv("t1", c1.port, `127.0.0.1:${fwdPort}=${resource}`),
    CONNECTOR_ADDR: `c1@127.0.0.1:${c1.port},c2@127.0.0.1:${c2.port}`,
    ENROLLMENT_TOKEN: await c.token("tunneler", "t1"),
  });
  await tunneler.waitForLine(/control-plane stream connected.*c1/, 20_000);
  assert.deepEqual(await roundTripText(fwdPort, "one"), "onebye");

  // A live tunnel through c1 (the echo answers once the client half-closes; it stays open).
  const live = net.connect(fwdPort, "127.0.0.1");
  const liveClosed = new Promise<void>((r) => live.once("close", () => r()));
  live.on("error", () => {});
  live.resume(); // flowing: its end (and so its close) is seen
  await new Promise<void>((r) => live.once("connect", () => r()));
  live.write("hold");
  await waitFor(
    "the live tunnel counted",
    async () => {
      const st = c.start("tunneler", ["status", "--json"], {
        TUNNELER_STATE_DIR: `${dir}/tunneler-t1`,
      });
      await st.exited;
      const report = JSON.parse(st.lines.find((l) => l.startsWith("{")) ?? "{}");
      return report.runtime?.sessions >= 1 || undefined;
    },
    15_000,
    300,
  );

  c1.p.stop("SIGKILL");
  const killedAt = Date.now();
  assert.deepEqual(await c1.p.exited, 137);
  // The live tunnel's one line: c1's FIN (closed_by=connector) or a reset or the lost session (error).
  await tunneler.waitForLine(/tunnel ended.*connector=c1 (closed_by=connector|error=)/, 10_000);
  await liveClosed;

  // New connections go through c2 within a few seconds.
  const viaC2 = await waitFor(
    "a round trip via c2",
    async () => {
      try {
        return await roundTripText(fwdPort, "two");
      } catch {
        return undefined;
      }
    },
    5_000,
    100,
  );
  assert.deepEqual(viaC2, "twobye");
  assert.ok(Date.now() - killedAt < 5_000, `via c2 after ${Date.now() - killedAt} ms`);

  await tunneler.waitForLine(/control-plane stream connected.*c2/, 10_000);
  await c.waitForStatus("tunnelers", "t1", "ONLINE", 10_000);
  const report = await waitFor(
    "status --json naming c2",
    async () => {
      const st = c.start("tunneler", ["status", "--json"], {
        TUNNELER_STATE_DIR: `${dir}/tunneler-t1`,
      });
      await st.exited;
      const r = JSON.parse(st.lines.find((l) => l.startsWith("{")) ?? "{}");
      return r.runtime?.details?.connector?.startsWith("c2@") ? r : undefined;
    },
    10_000,
    300,
  );
  assert.deepEqual(report.runtime.control_plane, "connected");
  live.destroy();
});
