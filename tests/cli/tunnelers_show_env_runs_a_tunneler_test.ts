/**
 * The operator's path with the admin commands alone: admit a tunneler and a destination, take
 * `tunnelers show --env` as the tunneler's environment and `tokens create` as its token, and the
 * tunneler it starts carries bytes through the connector.
 */
import assert from "node:assert/strict";
import { echoServer } from "../agents/_fixture.ts";
import { startCluster } from "../agents/_cluster.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { runCli } from "./_cli.ts";
import net from "node:net";

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.end(text));
    let got = "";
    s.on("data", (d) => (got += d));
    s.on("end", () => resolve(got));
    s.on("error", reject);
  });
}

Deno.test("the environment tunnelers show --env prints runs a tunneler that reaches the destination", async () => {
  await using d = await tempDir();
  await using echo = await echoServer();
  const c = await startCluster(d.path);
  try {
    const env = { ADMIN_API_URL: c.adminUrl, ADMIN_AUTH_TOKEN: c.adminToken };
    const ok = async (args: string[]) => {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const listenPort = freePort();
    const connectorToken = (await ok(["tokens", "create", "--role", "connector", "--id", "c1"])).trim();
    await c.runConnector("c1", listenPort, {}, connectorToken);
    const dest = `127.0.0.1:${echo.port}`;
    await ok(["connectors", "allowlist", "c1", "--add", "t1"]);
    await ok(["connectors", "resources", "c1", "--add", dest]);

    const shown = await ok(["tunnelers", "show", "t1", "--env", "--connector-port", String(listenPort)]);
    const vars = Object.fromEntries(
      shown.trimEnd().split("\n").filter((l) => !l.startsWith("#")).map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    assert.equal(vars.CONNECTOR_ADDR, `c1@127.0.0.1:${listenPort}`);
    assert.match(vars.TUNNELER_FORWARDS, new RegExp(`^127\\.0\\.0\\.1:\\d+=${dest}$`));
    const tunneler = c.start("tunneler", ["run"], {
      CONTROLLER_ADDR: c.grpcAddr,
      CONTROLLER_CA_PATH: c.caCert,
      TUNNELER_STATE_DIR: `${d.path}/t1`,
      ENROLLMENT_TOKEN: (await ok(["tokens", "create", "--role", "tunneler", "--id", "t1"])).trim(),
      ...vars,
    });
    await tunneler.waitForLine("control-plane stream connected", 20_000);
    const local = Number(vars.TUNNELER_FORWARDS.split("=")[0].split(":")[1]);
    assert.equal(await roundTrip(local, "hello through postern"), "hello through posternbye");
  } finally {
    await c.close();
  }
});
