/**
 * Fault, real processes: a connector lists two controller addresses (two relays in front of one
 * controller on Deno KV, which stand for two controllers sharing a store). The relay it uses is
 * cut: the connector moves to the other within its first backoff delay, stays ONLINE, and its
 * status names the controller in use. Then that one is cut and the first healed: it moves back.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { tcpProxy } from "../support/tcp_proxy.ts";
import { waitFor } from "../support/wait_for.ts";
import { type Cluster, reportedPort, startCluster } from "../agents/_cluster.ts";
import type { RunningProgram } from "../support/process.ts";

/** The controller the connector's status.json names, once it is `want`. */
function inUse(c: Cluster, p: RunningProgram, listenPort: number, want: string) {
  return waitFor(
    `status naming ${want}`,
    async () => {
      const st = c.start("connector", ["status", "--json"], c.connectorEnv("c1", listenPort));
      assert.equal(await st.exited, 0, st.lines.join("\n"));
      const report = JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
      return report.runtime?.controller === want && report.runtime?.control_plane === "connected"
        ? report
        : undefined;
    },
    15_000,
    300,
    p,
  );
}

Deno.test("a connector moves to the next controller of CONTROLLER_ADDR when the one in use is cut, and stays ONLINE", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path);
  const port = Number(c.grpcAddr.split(":").at(-1));
  const a = await tcpProxy(port);
  const b = await tcpProxy(port);
  try {
    const addrA = `127.0.0.1:${a.port}`;
    const addrB = `127.0.0.1:${b.port}`;
    const connector = c.start("connector", ["run"], {
      ...c.connectorEnv("c1", 0, { CONTROLLER_ADDR: `${addrA},${addrB}` }),
      ENROLLMENT_TOKEN: await c.token("connector"),
    });
    const listenPort = reportedPort(await connector.waitForLine("listening for tunnelers", 20_000));
    assert.ok(
      (await connector.waitForLine("control-plane stream connected", 20_000)).includes(`controller=${addrA}`),
    );
    await inUse(c, connector, listenPort, addrA);

    const connectedVia = (addr: string) =>
      connector.lines.filter((l) =>
        l.includes("control-plane stream connected") && l.includes(`controller=${addr}`)
      )
        .length;
    const cutAt = Date.now();
    await a.cut();
    await waitFor(
      "the stream through the second controller",
      () => Promise.resolve(connectedVia(addrB) || undefined),
      10_000,
      50,
      connector,
    );
    const movedMs = Date.now() - cutAt;
    assert.ok(movedMs < 3_000, `moved after ${movedMs} ms (first backoff ceiling 500 ms)`);
    const moved = connector.lines.find((l) => l.includes("moving to the next controller"));
    assert.ok(
      moved?.includes(`controller=${addrA}`) && moved.includes(`next_controller=${addrB}`),
      String(moved),
    );
    await inUse(c, connector, listenPort, addrB);
    await c.waitForStatus("connectors", "c1", "ONLINE");

    // And back: the second is cut, the first heals.
    await a.resume();
    await b.cut();
    await waitFor(
      "the stream through the first again",
      () => Promise.resolve(connectedVia(addrA) >= 2 || undefined),
      10_000,
      50,
      connector,
    );
    await inUse(c, connector, listenPort, addrA);
    assert.deepEqual(await c.status("connectors", "c1"), "ONLINE");
  } finally {
    await c.close();
    await a.close();
    await b.close();
  }
});
