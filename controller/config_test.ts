import { assertEquals, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { makeTestPki } from "../shared/pki/testing.ts";
import { adminTlsPathsFrom, loadConfig, parseBaseConfig, parseLongDuration } from "./config.ts";

const TOKEN = "0123456789abcdef0123";

Deno.test("parseBaseConfig() applies the contract's defaults", () => {
  const c = parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN });
  assertEquals(c.trustDomain, "postern.internal");
  assertEquals(c.adminAddr, { hostname: "127.0.0.1", port: 8080 });
  assertEquals(c.grpcAddr, { hostname: "", port: 8443 });
  assertEquals(c.stateDir, "./.postern/controller");
  assertEquals(c.connectorCertTtlMs, 3_600_000);
  assertEquals(c.heartbeatIntervalMs, 10_000);
  assertEquals(c.offlineAfterMs, 30_000);
  assertEquals(c.renewGraceMs, 7 * 86_400_000);
  assertEquals(
    parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, STATE_DIRECTORY: "/var/lib/postern-controller" }).stateDir,
    "/var/lib/postern-controller",
  );
  assertEquals(
    parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, TRUST_DOMAIN: "Example.COM." }).trustDomain,
    "example.com",
  );
});

Deno.test("parseBaseConfig() names the variable on a bad value", () => {
  assertThrows(() => parseBaseConfig({}), ConfigError, "ADMIN_AUTH_TOKEN is required");
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, TRUST_DOMAIN: "bad_domain" }),
    ConfigError,
    "invalid domain",
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, TRUST_DOMAIN: "bad_domain" }),
    ConfigError,
    "bad_domain",
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, OFFLINE_AFTER: "ten" }),
    ConfigError,
    "OFFLINE_AFTER",
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, ADMIN_HTTP_ADDR: "x" }),
    ConfigError,
    "ADMIN_HTTP_ADDR",
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, OFFLINE_AFTER: "5s", HEARTBEAT_INTERVAL: "10s" }),
    ConfigError,
    "OFFLINE_AFTER",
  );
});

Deno.test("parseLongDuration() accepts days for RENEW_GRACE", () => {
  assertEquals(parseLongDuration("7d"), 604_800_000);
  assertEquals(parseLongDuration("168h"), 604_800_000);
  assertThrows(() => parseLongDuration("0d"), RangeError);
  assertThrows(() => parseLongDuration("1w"), RangeError, "invalid duration");
});

Deno.test("loadConfig() loads the CA from PEM text and refuses a missing file (1.3)", async () => {
  const pki = await makeTestPki();
  const c = await loadConfig({
    ADMIN_AUTH_TOKEN: TOKEN,
    INTERNAL_CA_CERT: pki.caPem,
    INTERNAL_CA_KEY: pki.caKeyPem,
  });
  assertEquals(c.ca.fingerprint, pki.ca.fingerprint);
  await assertRejects(
    () =>
      loadConfig({
        ADMIN_AUTH_TOKEN: TOKEN,
        INTERNAL_CA_CERT_FILE: "/nonexistent/ca.crt",
        INTERNAL_CA_KEY: pki.caKeyPem,
      }),
    ConfigError,
    "invalid internal CA",
  );
  await assertRejects(
    () => loadConfig({ ADMIN_AUTH_TOKEN: TOKEN, INTERNAL_CA_CERT: "garbage", INTERNAL_CA_KEY: pki.caKeyPem }),
    ConfigError,
    "invalid internal CA",
  );
  await assertRejects(() => loadConfig({ ADMIN_AUTH_TOKEN: TOKEN }), ConfigError, "invalid internal CA");
});

Deno.test("parseBaseConfig() reads the event retention, with the contract's defaults and named errors", () => {
  assertEquals(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN }).eventRetention, {
    security: { maxAgeMs: 30 * 86_400_000, maxCount: 100_000 },
    flow: { maxAgeMs: 7 * 86_400_000, maxCount: 100_000 },
  });
  assertEquals(
    parseBaseConfig({
      ADMIN_AUTH_TOKEN: TOKEN,
      EVENTS_RETENTION: "1s",
      EVENTS_MAX: "5",
      FLOW_EVENTS_RETENTION: "2h",
      FLOW_EVENTS_MAX: "7",
    }).eventRetention,
    { security: { maxAgeMs: 1000, maxCount: 5 }, flow: { maxAgeMs: 7_200_000, maxCount: 7 } },
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_MAX: "0" }),
    ConfigError,
    'EVENTS_MAX: invalid count "0": use a whole number from 1 to 10000000',
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, FLOW_EVENTS_MAX: "1e3" }),
    ConfigError,
    'FLOW_EVENTS_MAX: invalid count "1e3"',
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, FLOW_EVENTS_RETENTION: "1w" }),
    ConfigError,
    'FLOW_EVENTS_RETENTION: invalid duration "1w"',
  );
});

Deno.test("adminTlsPathsFrom() wants both ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE or neither", () => {
  assertEquals(adminTlsPathsFrom({}), undefined);
  assertEquals(adminTlsPathsFrom({ ADMIN_TLS_CERT_FILE: "/c", ADMIN_TLS_KEY_FILE: "/k" }), {
    certPath: "/c",
    keyPath: "/k",
  });
  assertThrows(
    () => adminTlsPathsFrom({ ADMIN_TLS_CERT_FILE: "/c" }),
    ConfigError,
    "ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE go together: ADMIN_TLS_CERT_FILE is set but ADMIN_TLS_KEY_FILE is not",
  );
  assertThrows(
    () => adminTlsPathsFrom({ ADMIN_TLS_KEY_FILE: "/k" }),
    ConfigError,
    "ADMIN_TLS_KEY_FILE is set but ADMIN_TLS_CERT_FILE is not",
  );
});

Deno.test("parseBaseConfig() refuses a state directory or CA file outside the roots, naming the variable", () => {
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, CONTROLLER_STATE_DIR: "/var/lib/postern-connector" }),
    ConfigError,
    'CONTROLLER_STATE_DIR "/var/lib/postern-connector" is outside the writable roots of postern-controller',
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, INTERNAL_CA_KEY_FILE: "/root/ca.key" }),
    ConfigError,
    'invalid internal CA: INTERNAL_CA_KEY_FILE "/root/ca.key" is outside the roots of postern-controller',
  );
  assertThrows(
    () =>
      parseBaseConfig({
        ADMIN_AUTH_TOKEN: TOKEN,
        ADMIN_TLS_CERT_FILE: "/tmp/a.crt",
        ADMIN_TLS_KEY_FILE: "/etc/postern/a.key",
      }),
    ConfigError,
    'ADMIN_TLS_CERT_FILE "/tmp/a.crt" is outside the roots of postern-controller',
  );
});

Deno.test("parseBaseConfig() reads EVENTS_SINK: - for stdout, a path under the writable roots", () => {
  assertEquals(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN }).eventsSink, undefined);
  assertEquals(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_SINK: "-" }).eventsSink, "-");
  assertEquals(
    parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_SINK: "/var/lib/postern-controller/events.jsonl" })
      .eventsSink,
    "/var/lib/postern-controller/events.jsonl",
  );
  assertThrows(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_SINK: "/tmp/events.jsonl" }),
    ConfigError,
    `EVENTS_SINK "/tmp/events.jsonl" is outside the writable roots of postern-controller`,
  );
});
