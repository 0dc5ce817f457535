import { ConfigError } from "../shared/config/config_error.ts";
import assert from "node:assert/strict";
import { hashPassword } from "./auth/password.ts";
import { makeTestPki } from "../shared/pki/testing.ts";
import { loadConfig, MISSING_API_CONFIG } from "./config.ts";
import { makeTestDir } from "../tests/support/paths.ts";
import { REPO_ROOT } from "../shared/config/roots.ts";

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("loadConfig() accepted the environment");
}

Deno.test("loadConfig() refuses a missing ADMIN_API_URL or ADMIN_AUTH_TOKEN with the 6.2 message", () => {
  for (
    const env of [
      {},
      { ADMIN_API_URL: "http://127.0.0.1:8080" },
      { ADMIN_AUTH_TOKEN: "t" },
      { ADMIN_API_URL: "  ", ADMIN_AUTH_TOKEN: "t" },
    ]
  ) {
    assert.match(
      configError({ ...env, UI_ADMIN_PASSWORD: "pw" }),
      new RegExp(RegExp.escape(MISSING_API_CONFIG)),
    );
  }
  assert.deepEqual(MISSING_API_CONFIG, "ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured");
});

Deno.test("loadConfig() needs an operator password and a valid hash", () => {
  const base = { ADMIN_API_URL: "http://127.0.0.1:8080", ADMIN_AUTH_TOKEN: "t" };
  assert.match(configError(base), /UI_ADMIN_PASSWORD or UI_ADMIN_PASSWORD_HASH is required/);
  assert.match(
    configError({ ...base, UI_ADMIN_PASSWORD_HASH: "sha1$x" }),
    /UI_ADMIN_PASSWORD_HASH: invalid password hash/,
  );
  assert.match(
    configError({ ...base, UI_ADMIN_PASSWORD: "pw", ADMIN_API_URL: "ftp://x" }),
    /ADMIN_API_URL: invalid URL/,
  );
  assert.match(configError({ ...base, UI_ADMIN_PASSWORD: "pw", UI_ADDR: "nope" }), /UI_ADDR/);
});

Deno.test("loadConfig() applies defaults and accepts a password hash", async () => {
  const config = loadConfig({
    ADMIN_API_URL: "http://ctl.example:8080/",
    ADMIN_AUTH_TOKEN: "t",
    UI_ADMIN_PASSWORD_HASH: await hashPassword("s3cret", 1000),
  });
  assert.deepEqual(config.apiUrl, "http://ctl.example:8080");
  assert.deepEqual(config.addr, { hostname: "", port: 3000 });
  assert.deepEqual(config.sessionTtlMs, 8 * 3600_000);
  // No guessed gRPC address: the install snippet says UI_CONTROLLER_ADDR is unset instead.
  assert.deepEqual(config.controllerAddr, undefined);
  assert.ok(await config.verifyPassword("s3cret"));
  assert.ok(!(await config.verifyPassword("s3cret ")));
});

Deno.test("loadConfig() reads UI_TRUSTED_PROXIES and ADMIN_CA_PATH and names them when invalid", async () => {
  const base = { ADMIN_API_URL: "https://127.0.0.1:8080", ADMIN_AUTH_TOKEN: "t", UI_ADMIN_PASSWORD: "pw" };
  const defaults = loadConfig(base);
  assert.deepEqual(defaults.trustedProxies.entries, []);
  assert.deepEqual(defaults.adminCaCerts, undefined);
  assert.deepEqual(
    loadConfig({ ...base, UI_TRUSTED_PROXIES: " 10.0.0.1 , fd00::/8" }).trustedProxies.entries,
    [
      "10.0.0.1",
      "fd00::/8",
    ],
  );
  assert.deepEqual(
    configError({ ...base, UI_TRUSTED_PROXIES: "10.0.0.1,proxy.internal" }),
    'UI_TRUSTED_PROXIES: invalid entry "proxy.internal": use addresses or CIDRs separated by commas, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8',
  );
  const dir = await makeTestDir({ prefix: "postern-ui-config-" });
  try {
    const missing = `${dir}/missing.crt`;
    assert.match(
      configError({ ...base, ADMIN_CA_PATH: missing }),
      new RegExp(RegExp.escape(`ADMIN_CA_PATH: cannot read "${missing}"`)),
    );
    const pem = (await makeTestPki()).caPem;
    await Deno.writeTextFile(`${dir}/ca.crt`, pem);
    assert.deepEqual(loadConfig({ ...base, ADMIN_CA_PATH: `${dir}/ca.crt` }).adminCaCerts?.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(
    configError({ ...base, ADMIN_CA_PATH: "/tmp/ca.crt" }),
    `ADMIN_CA_PATH "/tmp/ca.crt" is outside the roots of postern-ui (/etc/postern, /var/lib/postern-ui, /run/credentials/postern-ui.service, ${REPO_ROOT}/.postern): set ADMIN_CA_PATH to a path under one of them`,
  );
});
