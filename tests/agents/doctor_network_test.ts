import assert from "node:assert/strict";
import tls from "node:tls";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";

/** A TLS server on loopback that presents `cert` and closes each connection after the handshake. */
async function presenting(cert: { certPem: string; keyPem: string }) {
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (s) => s.destroy());
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port))
  );
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function doctor(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const p = startProgram("tunneler", { args: ["doctor"], env });
  const code = await p.exited;
  return { code, lines: p.lines };
}

Deno.test("tunneler doctor dials the controller and the connector and names 2.1, 2.2 and 3.2", async () => {
  const pki = await makeTestPki();
  const foreign = await makeTestPki();
  const dir = await Deno.makeTempDir();
  const caPath = `${dir}/ca.crt`;
  await Deno.writeTextFile(caPath, pki.caPem);
  const controller = await presenting(await pki.issue("controller", "c1", { ipSans: ["127.0.0.1"] }));
  const strangeController = await presenting(await foreign.issue("controller", "c2"));
  const connectorWithoutIp = await presenting(await pki.issue("connector", "lan"));
  const connector = await presenting(await pki.issue("connector", "lan", { ipSans: ["127.0.0.1"] }));
  const env = (controllerPort: number, connectorPort: number) => ({
    CONTROLLER_ADDR: `127.0.0.1:${controllerPort}`,
    TUNNELER_ID: "laptop",
    CONTROLLER_CA_PATH: caPath,
    ENROLLMENT_TOKEN: "unused-by-doctor",
    CONNECTOR_ADDR: `lan@127.0.0.1:${connectorPort}`,
    TUNNELER_FORWARDS: "127.0.0.1:0=db.internal:5432",
    TUNNELER_STATE_DIR: `${dir}/state`,
  });
  try {
    const good = await doctor(env(controller.port, connector.port));
    assert.equal(good.code, 0, good.lines.join("\n"));
    assert.ok(
      good.lines.includes(
        `[ok] 2.1 controller at 127.0.0.1:${controller.port} presents spiffe://postern.internal/controller/c1, trusted by the bundle`,
      ),
      good.lines.join("\n"),
    );
    assert.ok(
      good.lines.includes(
        `[ok] 2.2 connector lan at 127.0.0.1:${connector.port} presents spiffe://postern.internal/connector/lan with IP SAN 127.0.0.1`,
      ),
      good.lines.join("\n"),
    );

    const unused = freePort();
    const bad = await doctor(env(unused, connectorWithoutIp.port));
    assert.equal(bad.code, 1);
    assert.ok(
      bad.lines.some((l) => l.startsWith(`[FAIL] 3.2 controller at 127.0.0.1:${unused}: `)),
      bad.lines.join("\n"),
    );
    assert.ok(
      bad.lines.includes(
        `[FAIL] 2.2 connector lan at 127.0.0.1:${connectorWithoutIp.port}: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs — remedy: set CONNECTOR_PRIVATE_IP on the connector to the address tunnelers dial, then re-enroll the connector`,
      ),
      bad.lines.join("\n"),
    );

    const strange = await doctor(env(strangeController.port, connector.port));
    assert.equal(strange.code, 1);
    assert.ok(
      strange.lines.some((l) =>
        l.startsWith(
          `[FAIL] 2.1 controller at 127.0.0.1:${strangeController.port}: x509: certificate signed by unknown authority`,
        )
      ),
      strange.lines.join("\n"),
    );
  } finally {
    await Promise.all([
      controller.close(),
      strangeController.close(),
      connectorWithoutIp.close(),
      connector.close(),
    ]);
    await Deno.remove(dir, { recursive: true });
  }
});
