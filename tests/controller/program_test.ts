import assert from "node:assert/strict";
import { createCa } from "../../shared/pki/ca.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../../shared/pki/keys.ts";
import { x509 } from "../../shared/pki/mod.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";

const TOKEN = "program-test-admin-token-123";

async function caFiles(dir: string) {
  const { certPem, keyPem } = await createCa();
  await Deno.writeTextFile(`${dir}/ca.crt`, certPem);
  await Deno.writeTextFile(`${dir}/ca.key`, keyPem);
  return { INTERNAL_CA_CERT_FILE: `${dir}/ca.crt`, INTERNAL_CA_KEY_FILE: `${dir}/ca.key` };
}

function env(dir: string, extra: Record<string, string>) {
  return {
    ADMIN_AUTH_TOKEN: TOKEN,
    ADMIN_HTTP_ADDR: `127.0.0.1:${freePort()}`,
    CONTROLLER_GRPC_ADDR: `127.0.0.1:${freePort()}`,
    CONTROLLER_STATE_DIR: `${dir}/state`,
    ...extra,
  };
}

async function run(args: string[], e: Record<string, string>) {
  const p = startProgram("controller", { env: e, args });
  const code = await p.exited;
  return { code, out: p.lines.join("\n") };
}

Deno.test("postern-controller --version and --help exit 0", async () => {
  const v = await run(["--version"], {});
  assert.equal(v.code, 0);
  assert.match(v.out, /postern-controller \d+\.\d+\.\d+/);
  const h = await run(["--help"], {});
  assert.equal(h.code, 0);
  assert.match(h.out, /init-ca --out DIR/);
});

Deno.test("postern-controller exits 2 with invalid internal CA for a missing CA file (1.3)", async () => {
  await using d = await tempDir();
  const r = await run(
    [],
    env(d.path, {
      INTERNAL_CA_CERT_FILE: `${d.path}/missing.crt`,
      INTERNAL_CA_KEY_FILE: `${d.path}/missing.key`,
    }),
  );
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.3\] invalid internal CA: /m);
});

Deno.test("postern-controller exits 2 with invalid domain for a bad TRUST_DOMAIN (1.4)", async () => {
  await using d = await tempDir();
  const r = await run([], env(d.path, { ...(await caFiles(d.path)), TRUST_DOMAIN: "bad..domain" }));
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.4\] cannot parse URI .*invalid domain "bad\.\.domain"/m);
});

Deno.test("postern-controller exits 2 with CA certificate missing key usage (1.5)", async () => {
  await using d = await tempDir();
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=No KeyCertSign",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const r = await run(
    [],
    env(d.path, {
      INTERNAL_CA_CERT: cert.toString("pem"),
      INTERNAL_CA_KEY: await exportPrivateKeyPem(keys.privateKey),
    }),
  );
  assert.equal(r.code, 2);
  assert.match(r.out, /^postern-controller: \[1\.5\] CA certificate missing key usage: /m);
});

Deno.test("postern-controller exits 1 with bind: address already in use when ADMIN_HTTP_ADDR is taken (5.3)", async () => {
  await using d = await tempDir();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    const e = env(d.path, { ...(await caFiles(d.path)), ADMIN_HTTP_ADDR: `127.0.0.1:${port}` });
    const r = await run([], e);
    assert.equal(r.code, 1);
    assert.match(r.out, /^postern-controller: \[5\.3\] bind: address already in use: ADMIN_HTTP_ADDR /m);
    const doc = await run(["doctor"], e);
    assert.equal(doc.code, 1);
    assert.match(doc.out, /\[FAIL\] 5\.3 ADMIN_HTTP_ADDR .*bind: address already in use — remedy: /);
  } finally {
    busy.close();
  }
});

Deno.test("postern-controller doctor reports ok findings and exits 0 on a good setup", async () => {
  await using d = await tempDir();
  const r = await run(["doctor"], env(d.path, await caFiles(d.path)));
  assert.equal(r.code, 0, r.out);
  for (const id of ["1.3", "1.4", "1.5", "5.3"]) {
    assert.match(r.out, new RegExp(`\\[ok\\] ${id.replace(".", "\\.")} `));
  }
  const bad = await run(["doctor"], env(d.path, { TRUST_DOMAIN: "a_b" }));
  assert.equal(bad.code, 1);
  assert.match(bad.out, /\[FAIL\] 1\.4 .*invalid domain/);
  assert.match(bad.out, /\[FAIL\] 1\.3 invalid internal CA/);
});

Deno.test("postern-controller init-ca writes the CA and refuses to overwrite", async () => {
  await using d = await tempDir();
  const first = await run(["init-ca", "--out", `${d.path}/ca`], {});
  assert.equal(first.code, 0, first.out);
  assert.equal((await Deno.stat(`${d.path}/ca/ca.key`)).mode! & 0o777, 0o600);
  const again = await run(["init-ca", "--out", `${d.path}/ca`], {});
  assert.notEqual(again.code, 0);
  assert.match(again.out, /refusing to overwrite/);
});

Deno.test("postern-controller serves, reloads the CA on SIGHUP (keeping it on failure) and drains on SIGTERM", async () => {
  await using d = await tempDir();
  const e = env(d.path, await caFiles(d.path));
  const p = startProgram("controller", { env: e });
  await p.waitForLine("controller serving");
  const ready = await fetch(`http://${e.ADMIN_HTTP_ADDR}/readyz`);
  assert.equal(ready.status, 200);
  await ready.body?.cancel();
  await Deno.writeTextFile(`${d.path}/ca.crt`, "broken");
  Deno.kill(p.pid, "SIGHUP");
  await p.waitForLine("CA reload failed, keeping the current CA");
  const still = await fetch(`http://${e.ADMIN_HTTP_ADDR}/healthz`);
  assert.equal(still.status, 200);
  await still.body?.cancel();
  assert.equal(await p.stop("SIGTERM"), 0);
  assert.ok(p.lines.some((l) => l.includes("stopped")));
});
