/**
 * Real processes: a connector and a tunneler whose CONTROLLER_ADDR lists first a controller that
 * is dead (a port nobody listens on), then the live one. Both enroll through the second, the
 * connector's control stream runs there, and both stay ONLINE past OFFLINE_AFTER.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/wait_for.ts";
import { reportedPort, startCluster } from "./_cluster.ts";

Deno.test("an agent whose first CONTROLLER_ADDR entry is dead enrolls and stays ONLINE through the second", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  try {
    const dead = `127.0.0.1:${freePort()}`;
    const controllers = { CONTROLLER_ADDR: `${dead},${c.grpcAddr}` };
    const connector = c.start("connector", ["run"], {
      ...c.connectorEnv("c1", 0, controllers),
      ENROLLMENT_TOKEN: await c.token("connector"),
    });
    const listenPort = reportedPort(await connector.waitForLine("listening for tunnelers", 20_000));
    const connected = await connector.waitForLine("control-plane stream connected", 20_000);
    assert.ok(connected.includes(`controller=${c.grpcAddr}`), connected);
    const tried = connector.lines.find((l) =>
      l.includes("enrollment failed at one controller; trying the next")
    );
    assert.ok(tried?.includes(`controller=${dead}`), connector.lines.join("\n"));
    await c.admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] });
    const tunneler = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv("t1", listenPort, "", controllers),
      ENROLLMENT_TOKEN: await c.token("tunneler", "t1"),
    });
    await tunneler.waitForLine("control-plane stream connected", 20_000);
    assert.ok(tunneler.lines.some((l) => l.includes("enrolled")), tunneler.lines.join("\n"));

    const seen = async (role: "connectors" | "tunnelers", id: string) => {
      const body = (await c.admin("GET", `/api/admin/${role}/${id}`)).body;
      return body?.status === "ONLINE" ? Date.parse(body.last_seen) : undefined;
    };
    const first = await waitFor("c1 ONLINE", () => seen("connectors", "c1"), 10_000, 100, connector);
    await waitFor("t1 ONLINE", () => seen("tunnelers", "t1"), 10_000, 100, tunneler);
    // Still ONLINE with a heartbeat seen more than OFFLINE_AFTER (3 s) after the first.
    await waitFor(
      "a heartbeat of c1 and t1 past OFFLINE_AFTER",
      async () => {
        const c1 = await seen("connectors", "c1");
        const t1 = await seen("tunnelers", "t1");
        return c1 !== undefined && t1 !== undefined && c1 - first > 3_500 && t1 - first > 3_500 || undefined;
      },
      15_000,
      200,
      connector,
    );
    assert.deepEqual(await c.status("connectors", "c1"), "ONLINE");
    const st = c.start("connector", ["status", "--json"], c.connectorEnv("c1", listenPort, controllers));
    assert.deepEqual(await st.exited, 0, st.lines.join("\n"));
    const report = JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
    assert.deepEqual(report.runtime.controller, c.grpcAddr);
    assert.deepEqual(report.outage, undefined, "a controller answers: no outage");
  } finally {
    await c.close();
  }
});
