/**
 * Real processes and real TLS: controller, connector, tunneler on loopback.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";
import { prepareController } from "../support/controller.ts";
import { bulk, echoServer, roundTrip } from "./_fixture.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

Deno.test("end to end: enroll, control plane, allowlist and resources, forwards, refusals, restart without a token", async () => {
  await using dir = await tempDir();
  const running: RunningProgram[] = [];
  const echo = await echoServer();
  try {
    const tc = await prepareController(dir.path);
    const { grpcAddr, caCert: certPath, admin } = tc;
    running.push(await tc.start());
    const token = async (role: string) =>
      (await admin("POST", "/api/admin/tokens", { role })).body.token as string;

    const listenPort = freePort();
    const connectorEnv = {
      CONTROLLER_ADDR: grpcAddr,
      CONNECTOR_ID: "c1",
      CONTROLLER_CA_PATH: certPath,
      CONNECTOR_PRIVATE_IP: "127.0.0.1",
      CONNECTOR_LISTEN_ADDR: `127.0.0.1:${listenPort}`,
      CONNECTOR_STATE_DIR: `${dir.path}/connector`,
    };
    // 1.2: a bogus token is refused with exit 3.
    const refused = startProgram("connector", {
      args: ["enroll"],
      env: { ...connectorEnv, ENROLLMENT_TOKEN: "not-a-token" },
    });
    assertEquals(await refused.exited, 3, refused.lines.join("\n"));
    ok(refused.lines.some((l) => l.includes("invalid enrollment token")), refused.lines.join("\n"));

    let connector = startProgram("connector", {
      args: ["run"],
      env: { ...connectorEnv, ENROLLMENT_TOKEN: await token("connector") },
    });
    running.push(connector);
    await connector.waitForLine("control-plane stream connected", 20_000);

    const fwdPort = freePort();
    const tunneler = startProgram("tunneler", {
      args: ["run"],
      env: {
        CONTROLLER_ADDR: grpcAddr,
        TUNNELER_ID: "t1",
        CONTROLLER_CA_PATH: certPath,
        ENROLLMENT_TOKEN: await token("tunneler"),
        CONNECTOR_ADDR: `c1@127.0.0.1:${listenPort}`,
        TUNNELER_FORWARDS: `127.0.0.1:${fwdPort}=127.0.0.1:${echo.port}`,
        TUNNELER_STATE_DIR: `${dir.path}/tunneler`,
      },
    });
    running.push(tunneler);
    // Not on the allowlist yet: refused as such (3.3), retried.
    await tunneler.waitForLine("tunneler not allowed", 20_000);
    assertEquals(
      (await admin("PUT", "/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] })).status,
      200,
    );
    await tunneler.waitForLine("control-plane stream connected", 40_000);
    // Resource not allowed yet.
    assertEquals((await roundTrip(fwdPort, enc.encode("x")).catch(() => new Uint8Array())).length, 0);
    await tunneler.waitForLine("resource not allowed");
    assertEquals(
      (await admin("PUT", "/api/admin/connectors/c1/resources", { resources: [`127.0.0.1:${echo.port}`] }))
        .status,
      200,
    );
    await connector.waitForLine(/configuration applied.*resources=1/);
    assertEquals(dec.decode(await roundTrip(fwdPort, enc.encode("ping"))), "pingbye");

    // The controller lists the tunneler ONLINE via the connector.
    const seen = Date.now() + 10_000;
    let t1: { status?: string; connector_id?: string } = {};
    while (Date.now() < seen) {
      t1 = (await admin("GET", "/api/admin/tunnelers/t1")).body ?? {};
      if (t1.status === "ONLINE") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assertEquals(t1.status, "ONLINE", JSON.stringify(t1));

    // Restart the connector without a token: stored identity; the tunneler reconnects.
    await connector.stop();
    connector = startProgram("connector", { args: ["run"], env: connectorEnv });
    running.push(connector);
    await connector.waitForLine("control-plane stream connected", 20_000);
    await new Promise((r) => setTimeout(r, 500));
    assertEquals(dec.decode(await roundTrip(fwdPort, enc.encode("again"))), "againbye");

    if (Deno.env.get("POSTERN_MEASURE") === "1") {
      // POSTERN_MEASURE_MIB (default 256) echoed through the real tunneler and connector processes (echo server drains it back).
      const mib = Number(Deno.env.get("POSTERN_MEASURE_MIB") ?? "256");
      const total = mib * 1024 * 1024;
      const { received, ms } = await bulk(fwdPort, total);
      console.log(
        `${mib} MiB echoed through real tunneler+connector: ${ms.toFixed(0)} ms, ${
          (mib / (ms / 1000)).toFixed(0)
        } MiB/s each way`,
      );
      assertEquals(received, total + 3);
    }

    // status --json of the running connector.
    const st = startProgram("connector", { args: ["status", "--json"], env: connectorEnv });
    assertEquals(await st.exited, 0);
    const report = JSON.parse(st.lines.find((l) => l.startsWith("{"))!);
    assertEquals(report.identity.spiffe_id, "spiffe://postern.internal/connector/c1");
    ok(report.identity.trusted_ca_fingerprints.length >= 1);
  } finally {
    await Promise.all(running.reverse().map((p) => p.stop()));
    await echo.close();
  }
});
