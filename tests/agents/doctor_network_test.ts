import assert from "node:assert/strict";
import tls from "node:tls";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { makeTestDir } from "../support/paths.ts";

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
  const dir = await makeTestDir();
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

    // Every controller of the list is checked: a dead one fails though the next one is fine.
    const both = await doctor({
      ...env(controller.port, connector.port),
      CONTROLLER_ADDR: `127.0.0.1:${unused},127.0.0.1:${controller.port}`,
    });
    assert.equal(both.code, 1, both.lines.join("\n"));
    assert.ok(
      both.lines.some((l) => l.startsWith(`[FAIL] 3.2 controller at 127.0.0.1:${unused}: `)),
      both.lines.join("\n"),
    );
    assert.ok(
      both.lines.some((l) => l.startsWith(`[ok] 2.1 controller at 127.0.0.1:${controller.port} presents `)),
      both.lines.join("\n"),
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

Deno.test("tunneler doctor checks a connector that demands a client certificate (stored identity presented)", async () => {
  const pki = await makeTestPki();
  const dir = await makeTestDir();
  await Deno.writeTextFile(`${dir}/ca.crt`, pki.caPem);
  const svid = await pki.issue("tunneler", "laptop");
  await new IdentityStore(`${dir}/state`).save({
    svid,
    bundle: pki.bundle,
    meta: {
      spiffe_id: svid.spiffeId.uri,
      role: "tunneler",
      id: "laptop",
      trust_domain: "postern.internal",
      enrolled_at: new Date().toISOString(),
    },
  });
  // As the connector's listener: no certificate of the bundle, no handshake.
  const c = await pki.issue("connector", "lan", { ipSans: ["127.0.0.1"] });
  const server = tls.createServer(
    { cert: c.certPem, key: c.keyPem, ca: [pki.caPem], requestCert: true, rejectUnauthorized: true },
    (s) => s.destroy(),
  );
  server.on("tlsClientError", () => {});
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port))
  );
  try {
    const r = await doctor({
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      TUNNELER_ID: "laptop",
      CONTROLLER_CA_PATH: `${dir}/ca.crt`,
      CONNECTOR_ADDR: `lan@127.0.0.1:${port}`,
      TUNNELER_STATE_DIR: `${dir}/state`,
    });
    assert.ok(
      r.lines.includes(
        `[ok] 2.2 connector lan at 127.0.0.1:${port} presents spiffe://postern.internal/connector/lan with IP SAN 127.0.0.1`,
      ),
      r.lines.join("\n"),
    );
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tunneler doctor names 2.3 when another connector answers at CONNECTOR_ADDR", async () => {
  const pki = await makeTestPki();
  const dir = await makeTestDir();
  await Deno.writeTextFile(`${dir}/ca.crt`, pki.caPem);
  const impostor = await presenting(await pki.issue("connector", "other", { ipSans: ["127.0.0.1"] }));
  try {
    const r = await doctor({
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      TUNNELER_ID: "laptop",
      CONTROLLER_CA_PATH: `${dir}/ca.crt`,
      ENROLLMENT_TOKEN: "unused-by-doctor",
      CONNECTOR_ADDR: `lan@127.0.0.1:${impostor.port}`,
      TUNNELER_STATE_DIR: `${dir}/state`,
    });
    assert.equal(r.code, 1);
    assert.ok(
      r.lines.includes(
        `[FAIL] 2.3 connector lan at 127.0.0.1:${impostor.port}: SPIFFE ID mismatch: expected "spiffe://postern.internal/connector/lan", got "spiffe://postern.internal/connector/other" — remedy: CONNECTOR_ADDR must name the connector at that address (connector-id@ip:port) in this trust domain`,
      ),
      r.lines.join("\n"),
    );
  } finally {
    await impostor.close();
    await Deno.remove(dir, { recursive: true });
  }
});
