/**
 * An operator who asked for HTTPS never gets plain HTTP by mistake: one of ADMIN_TLS_CERT_FILE /
 * ADMIN_TLS_KEY_FILE without the other, an unreadable file, or a key that is not the
 * certificate's stops the controller with exit 2 and a message naming the variable and file.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { prepareController, serveExpectingExit } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { startProgram } from "../support/process.ts";

Deno.test("controller exits 2 naming both variables, the unreadable file, or the mismatched key", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const pki = await makeTestPki();
  const a = await pki.issue("controller", "admin-a", { ipSans: ["127.0.0.1"] });
  const b = await pki.issue("controller", "admin-b", { ipSans: ["127.0.0.1"] });
  const cert = `${d.path}/a.crt`;
  const key = `${d.path}/a.key`;
  const otherKey = `${d.path}/b.key`;
  await Deno.writeTextFile(cert, a.certPem);
  await Deno.writeTextFile(key, a.keyPem);
  await Deno.writeTextFile(otherKey, b.keyPem);

  const onlyCert = await serveExpectingExit({ ...controller.env, ADMIN_TLS_CERT_FILE: cert });
  assert.equal(onlyCert.code, 2, onlyCert.out);
  assert.ok(
    onlyCert.out.includes(
      "ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE go together: ADMIN_TLS_CERT_FILE is set but ADMIN_TLS_KEY_FILE is not",
    ),
    onlyCert.out,
  );
  const onlyKey = await serveExpectingExit({ ...controller.env, ADMIN_TLS_KEY_FILE: key });
  assert.equal(onlyKey.code, 2, onlyKey.out);
  assert.ok(onlyKey.out.includes("ADMIN_TLS_KEY_FILE is set but ADMIN_TLS_CERT_FILE is not"), onlyKey.out);

  const missing = `${d.path}/missing.key`;
  const unreadable = await serveExpectingExit({
    ...controller.env,
    ADMIN_TLS_CERT_FILE: cert,
    ADMIN_TLS_KEY_FILE: missing,
  });
  assert.equal(unreadable.code, 2, unreadable.out);
  assert.ok(unreadable.out.includes(`ADMIN_TLS_KEY_FILE: cannot read "${missing}"`), unreadable.out);

  const mismatched = await serveExpectingExit({
    ...controller.env,
    ADMIN_TLS_CERT_FILE: cert,
    ADMIN_TLS_KEY_FILE: otherKey,
  });
  assert.equal(mismatched.code, 2, mismatched.out);
  assert.ok(
    mismatched.out.includes(
      `ADMIN_TLS_KEY_FILE: "${otherKey}" is not the key of ADMIN_TLS_CERT_FILE "${cert}"`,
    ),
    mismatched.out,
  );
  // None of them ever listened: the admin port is still free.
  const port = Number(new URL(controller.adminUrl).port);
  Deno.listen({ hostname: "127.0.0.1", port }).close();
});

Deno.test("controller doctor flags an ADMIN_TLS_KEY_FILE that is not the certificate's key", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const pki = await makeTestPki();
  const a = await pki.issue("controller", "admin-a", { ipSans: ["127.0.0.1"] });
  const b = await pki.issue("controller", "admin-b", { ipSans: ["127.0.0.1"] });
  await Deno.writeTextFile(`${d.path}/a.crt`, a.certPem);
  await Deno.writeTextFile(`${d.path}/b.key`, b.keyPem);
  const p = startProgram("controller", {
    args: ["doctor"],
    env: { ...controller.env, ADMIN_TLS_CERT_FILE: `${d.path}/a.crt`, ADMIN_TLS_KEY_FILE: `${d.path}/b.key` },
  });
  const code = await p.exited;
  const out = p.lines.join("\n");
  assert.equal(code, 1, out);
  assert.ok(out.includes(`[FAIL] admin-tls ADMIN_TLS_KEY_FILE: "${d.path}/b.key" is not the key of`), out);
});
