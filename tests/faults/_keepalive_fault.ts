/**
 * The scenario the keepalive fault tests share: a connector reaches the controller only through a
 * fault-injecting relay; the relay goes quiet in one way (drop, stall, half-open). The connector
 * must notice through its gRPC keepalives within their bound, log the failure, back off with
 * jitter and reconnect through the relay once it relays again, ONLINE again, its tunneler's
 * forward working all along.
 */
import assert from "node:assert/strict";
import { CLIENT_KEEPALIVE } from "../../shared/grpc/credentials.ts";
import { tempDir } from "../support/paths.ts";
import { type ProxyFault, tcpProxy } from "../support/tcp_proxy.ts";
import { waitFor } from "../support/wait_for.ts";
import { echoServer, roundTripText } from "../agents/_fixture.ts";
import { connectorAndTunneler, startCluster } from "../agents/_cluster.ts";

/** Detection bound: one keepalive period plus its timeout, plus 5 s for a loaded machine. */
export const DETECT_WITHIN_MS = CLIENT_KEEPALIVE.timeMs + CLIENT_KEEPALIVE.timeoutMs + 5_000;

/** Runs the scenario with the relay failing as `fault`; returns how long detection took. */
export async function keepaliveFaultScenario(fault: Exclude<ProxyFault, "pass">): Promise<number> {
  await using dir = await tempDir();
  const echo = await echoServer();
  const c = await startCluster(dir.path);
  const proxy = await tcpProxy(Number(c.grpcAddr.split(":").at(-1)));
  try {
    const { connector, fwdPort } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`, {
      connectorEnv: { CONTROLLER_ADDR: `127.0.0.1:${proxy.port}` },
    });
    await connector.waitForLine(/configuration applied.*resources=1/);
    await c.waitForStatus("connectors", "c1", "ONLINE");
    const failedBefore = connector.lines.filter((l) => l.includes("control-plane stream failed")).length;

    const faultAt = Date.now();
    proxy.fault(fault);
    await waitFor(
      `the connector to notice the ${fault} connection`,
      () =>
        Promise.resolve(
          connector.lines.filter((l) => l.includes("control-plane stream failed")).length > failedBefore ||
            undefined,
        ),
      DETECT_WITHIN_MS + 5_000,
      100,
      connector,
    );
    const detectedMs = Date.now() - faultAt;
    assert.ok(detectedMs <= DETECT_WITHIN_MS, `noticed after ${detectedMs} ms, bound ${DETECT_WITHIN_MS} ms`);
    // The data path does not depend on the controller.
    assert.deepEqual(await roundTripText(fwdPort, "during"), "duringbye");

    const acceptedBefore = proxy.accepted();
    const connectedBefore = connector.lines.filter((l) =>
      l.includes("control-plane stream connected")
    ).length;
    proxy.fault("pass");
    await waitFor(
      "the connector to reconnect through the healed relay",
      () =>
        Promise.resolve(
          connector.lines.filter((l) => l.includes("control-plane stream connected")).length >
              connectedBefore ||
            undefined,
        ),
      40_000,
      100,
      connector,
    );
    assert.ok(proxy.accepted() > acceptedBefore || fault === "stall", "a new connection after the fault");
    const delays = connector.lines.filter((l) => l.includes("control-plane stream reconnecting"))
      .map((l) => Number(/delay_ms=(\d+)/.exec(l)?.[1]));
    assert.ok(delays.length >= 1 && delays.every((d) => d >= 0 && d < 30_000), `backoff delays ${delays}`);
    await waitFor("c1 ONLINE again", async () =>
      (await c.status("connectors", "c1")) === "ONLINE" || undefined);
    assert.deepEqual(await roundTripText(fwdPort, "after"), "afterbye");
    return detectedMs;
  } finally {
    await c.close();
    await proxy.close();
    await echo.close();
  }
}
