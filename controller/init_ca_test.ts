import assert from "node:assert/strict";
import { initCa } from "./init_ca.ts";
import { loadCa } from "../shared/pki/mod.ts";

Deno.test("initCa() writes a loadable CA with a 0600 key and refuses to overwrite it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/ca`;
    const { certPath, keyPath } = await initCa(out);
    assert.strictEqual(certPath, `${out}/ca.crt`);
    assert.strictEqual(keyPath, `${out}/ca.key`);
    assert.strictEqual((await Deno.stat(keyPath)).mode! & 0o777, 0o600);
    const keyPem = await Deno.readTextFile(keyPath);
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    const ca = await loadCa(await Deno.readTextFile(certPath), keyPem);
    assert.strictEqual(ca.certificate.subject, "CN=Postern Internal CA");
    await assert.rejects(() => initCa(out), {
      message: `refusing to overwrite "${out}/ca.crt": move it away or choose another --out`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
