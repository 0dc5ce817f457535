import assert from "node:assert/strict";
import { CaError, createCa, loadCa, writeCaFiles } from "./ca.ts";
import { createCsr } from "./csr.ts";
import { issueSvid } from "./issue.ts";
import { generateKeyPair } from "./keys.ts";
import { openssl, opensslCa } from "./_test_util.ts";
import { x509 } from "./_crypto.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("createCa() makes a self-signed CA with keyCertSign, CA:TRUE pathLen 0 and a 128-bit serial", async () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const { ca, certPem } = await createCa({ now, lifetimeDays: 10 });
  const c = new x509.X509Certificate(certPem);
  assert.strictEqual(c.subject, "CN=Postern Internal CA");
  const bc = c.getExtension(x509.BasicConstraintsExtension)!;
  assert.deepStrictEqual([bc.ca, bc.pathLength, bc.critical], [true, 0, true]);
  const ku = c.getExtension(x509.KeyUsagesExtension)!;
  assert.strictEqual(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  assert.strictEqual(ku.critical, true);
  assert.ok(c.getExtension(x509.SubjectKeyIdentifierExtension));
  assert.strictEqual(c.serialNumber.length, 32);
  assert.strictEqual(ca.notAfter.toISOString(), "2030-01-11T00:00:00.000Z");
  assert.match(ca.fingerprint, /^[0-9a-f]{64}$/);
});

Deno.test("loadCa() loads a CA made by openssl req -x509 and issues a certificate openssl verifies", async () => {
  await withDir(async (dir) => {
    const { certPem, keyPem } = await opensslCa(dir, [
      "keyUsage=critical,keyCertSign,cRLSign",
      "basicConstraints=critical,CA:TRUE",
    ]);
    const ca = await loadCa(certPem, keyPem);
    const issued = await issueSvid(ca, {
      csrPem: await createCsr(await generateKeyPair()),
      spiffeId: "spiffe://postern.internal/connector/c1",
      ipSans: ["10.1.2.3"],
      ttlMs: 3_600_000,
    });
    await Deno.writeTextFile(`${dir}/leaf.crt`, issued.certPem);
    for (const purpose of ["sslclient", "sslserver"]) {
      const r = await openssl(["verify", "-purpose", purpose, "-CAfile", `${dir}/ca.crt`, `${dir}/leaf.crt`]);
      assert.strictEqual(r.code, 0, r.out);
    }
  });
});

const MISSING_KU =
  "CA certificate missing key usage: keyCertSign is required to sign certificates (regenerate it with postern-controller init-ca)";

Deno.test("loadCa() refuses an openssl CA without keyCertSign (failure mode 1.5)", async () => {
  await withDir(async (dir) => {
    const { certPem, keyPem } = await opensslCa(dir, [
      "keyUsage=critical,digitalSignature",
      "basicConstraints=critical,CA:TRUE",
    ]);
    await assert.rejects(() => loadCa(certPem, keyPem), { name: "CaError", message: MISSING_KU });
  });
});

Deno.test("loadCa() refuses a certificate that is not a CA", async () => {
  await withDir(async (dir) => {
    const { certPem, keyPem } = await opensslCa(dir, [
      "keyUsage=critical,keyCertSign",
      "basicConstraints=critical,CA:FALSE",
    ]);
    await assert.rejects(() => loadCa(certPem, keyPem), {
      name: "CaError",
      message: "invalid internal CA: certificate is not a CA (basicConstraints CA:TRUE is required)",
    });
  });
});

Deno.test("loadCa() refuses an expired CA", async () => {
  const { certPem, keyPem, ca } = await createCa({ lifetimeDays: 1 });
  const later = new Date(ca.notAfter.getTime() + 1000);
  await assert.rejects(() => loadCa(certPem, keyPem, later), {
    name: "CaError",
    message: `invalid internal CA: certificate expired at ${ca.notAfter.toISOString()}`,
  });
});

Deno.test("loadCa() refuses a key that does not match the certificate", async () => {
  const a = await createCa();
  const b = await createCa();
  await assert.rejects(() => loadCa(a.certPem, b.keyPem), {
    name: "CaError",
    message: "invalid internal CA: the private key does not match the CA certificate",
  });
});

const brokenCerts: [string, string, RegExp][] = [
  ["an empty certificate", "", /^invalid internal CA: no CERTIFICATE PEM block in the CA certificate$/],
  [
    "broken PEM",
    "-----BEGIN CERTIFICATE-----\n@@\n-----END CERTIFICATE-----\n",
    /^invalid internal CA: cannot parse the CA certificate: invalid PEM block "CERTIFICATE"/,
  ],
  [
    "DER garbage",
    "-----BEGIN CERTIFICATE-----\nAQIDBA==\n-----END CERTIFICATE-----\n",
    /^invalid internal CA: cannot parse the CA certificate: /,
  ],
];
for (const [what, pem, re] of brokenCerts) {
  Deno.test(`loadCa() refuses ${what} as invalid internal CA`, async () => {
    const { keyPem } = await createCa();
    await assert.rejects(() => loadCa(pem, keyPem), (e) => e instanceof CaError && re.test(e.message));
  });
}

Deno.test("loadCa() refuses an unreadable key as invalid internal CA", async () => {
  const { certPem } = await createCa();
  await assert.rejects(() => loadCa(certPem, "not a key"), {
    name: "CaError",
    message:
      "invalid internal CA: cannot read the CA private key: invalid private key: invalid PEM: no PEM block found",
  });
});

Deno.test("loadCa() reads broken fixtures from testdata as invalid internal CA", async () => {
  const dir = new URL("./testdata/", import.meta.url);
  const cert = await Deno.readTextFile(new URL("truncated.crt", dir));
  const { keyPem } = await createCa();
  await assert.rejects(
    () => loadCa(cert, keyPem),
    (e) => e instanceof CaError && e.message.startsWith("invalid internal CA: "),
  );
});

Deno.test("writeCaFiles() writes ca.key with mode 0600 in a new 0700 directory and refuses to overwrite", async () => {
  await withDir(async (base) => {
    const dir = `${base}/out`;
    const pair = await createCa();
    await writeCaFiles(dir, pair);
    assert.strictEqual((await Deno.stat(`${dir}/ca.key`)).mode! & 0o777, 0o600);
    assert.strictEqual((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assert.strictEqual(await Deno.readTextFile(`${dir}/ca.crt`), pair.certPem);
    await loadCa(await Deno.readTextFile(`${dir}/ca.crt`), await Deno.readTextFile(`${dir}/ca.key`));
    await assert.rejects(() => writeCaFiles(dir, pair), {
      message: `refusing to overwrite "${dir}/ca.crt": move it away or choose another --out`,
    });
    await Deno.remove(`${dir}/ca.crt`);
    await assert.rejects(() => writeCaFiles(dir, pair), {
      message: `refusing to overwrite "${dir}/ca.key": move it away or choose another --out`,
    });
  });
});
