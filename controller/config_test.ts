import { assertEquals, assertRejects, assertThrows } from "../tests/support/assert.ts";
import { ConfigError } from "../shared/config/config_error.ts";
import { makeTestPki } from "../shared/pki/testing.ts";
import {
  adminTlsPathsFrom,
  loadConfig,
  parseBaseConfig,
  parseLongDuration,
  storeConfigFrom,
} from "./config.ts";

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

Deno.test("storeConfigFrom() defaults to Deno KV in the state directory and parses etcd:// and etcds://", () => {
  assertEquals(storeConfigFrom({ CONTROLLER_STATE_DIR: "/var/lib/x" }), {
    kind: "kv",
    stateDir: "/var/lib/x",
  });
  assertEquals(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN }).store, {
    kind: "kv",
    stateDir: "./.postern/controller",
  });
  assertEquals(storeConfigFrom({ CONTROLLER_STORE: "etcd://127.0.0.1:2379, 127.0.0.2:2379,[::1]:2380" }), {
    kind: "etcd",
    endpoints: [
      { hostname: "127.0.0.1", port: 2379 },
      { hostname: "127.0.0.2", port: 2379 },
      { hostname: "::1", port: 2380 },
    ],
    prefix: "/postern/",
  });
  assertEquals(
    storeConfigFrom({
      CONTROLLER_STORE: "etcds://etcd-1.internal:2379",
      ETCD_PREFIX: "/team-a/postern/",
      ETCD_CA_PATH: "/etc/postern/etcd-ca.crt",
      ETCD_CERT_PATH: "/etc/postern/etcd.crt",
      ETCD_KEY_PATH: "/etc/postern/etcd.key",
    }),
    {
      kind: "etcd",
      endpoints: [{ hostname: "etcd-1.internal", port: 2379 }],
      tls: {
        caPath: "/etc/postern/etcd-ca.crt",
        certPath: "/etc/postern/etcd.crt",
        keyPath: "/etc/postern/etcd.key",
      },
      prefix: "/team-a/postern/",
    },
  );
  assertEquals(
    storeConfigFrom({ CONTROLLER_STORE: "etcds://127.0.0.1:2379", ETCD_CA_PATH: "/etc/postern/ca.crt" }).kind,
    "etcd",
  );
});

Deno.test("storeConfigFrom() refuses a bad CONTROLLER_STORE or ETCD_* value naming the variable and the fix", () => {
  const refuse = (env: Record<string, string>, message: string) =>
    assertThrows(() => storeConfigFrom(env), ConfigError, message);
  const usage =
    "use etcd://host:port[,host:port…] or etcds://host:port[,host:port…], or leave it unset for Deno KV in CONTROLLER_STATE_DIR";
  refuse(
    { CONTROLLER_STORE: "redis://127.0.0.1:6379" },
    `CONTROLLER_STORE "redis://127.0.0.1:6379" is not a store address: ${usage}`,
  );
  refuse({ CONTROLLER_STORE: "kv" }, `CONTROLLER_STORE "kv" is not a store address`);
  refuse({ CONTROLLER_STORE: "etcd://" }, `CONTROLLER_STORE "etcd://" names no etcd member: ${usage}`);
  refuse(
    { CONTROLLER_STORE: "etcd://127.0.0.1:2379/postern" },
    `CONTROLLER_STORE "etcd://127.0.0.1:2379/postern": "127.0.0.1:2379/postern" is not host:port`,
  );
  refuse({ CONTROLLER_STORE: "etcd://127.0.0.1:2379,,127.0.0.2:2379" }, `"" is not host:port`);
  refuse({ CONTROLLER_STORE: "etcd://127.0.0.1" }, `"127.0.0.1" is not host:port`);
  refuse({ CONTROLLER_STORE: "etcd://:2379" }, `":2379" needs a host and a port, e.g. 127.0.0.1:2379`);
  refuse({ CONTROLLER_STORE: "etcd://127.0.0.1:99999" }, `"127.0.0.1:99999" is not host:port`);
  refuse(
    { CONTROLLER_STORE: "etcd://127.0.0.1:2379", ETCD_PREFIX: "postern" },
    `ETCD_PREFIX "postern" is not a key prefix: use /name/`,
  );
  refuse(
    { CONTROLLER_STORE: "etcd://127.0.0.1:2379", ETCD_PREFIX: "/" },
    `ETCD_PREFIX "/" is not a key prefix`,
  );
  refuse(
    { CONTROLLER_STORE: "etcd://127.0.0.1:2379", ETCD_PREFIX: "/a//" },
    `ETCD_PREFIX "/a//" is not a key prefix`,
  );
  refuse(
    { CONTROLLER_STORE: "etcd://127.0.0.1:2379", ETCD_CA_PATH: "/etc/postern/ca.crt" },
    `ETCD_CA_PATH is set but CONTROLLER_STORE "etcd://127.0.0.1:2379" is plain etcd://: use etcds:// for TLS, or unset ETCD_CA_PATH`,
  );
  refuse(
    { CONTROLLER_STORE: "etcds://127.0.0.1:2379" },
    `CONTROLLER_STORE "etcds://127.0.0.1:2379" uses TLS and needs ETCD_CA_PATH: set it to the CA file that signed the etcd members`,
  );
  refuse(
    { CONTROLLER_STORE: "etcds://127.0.0.1:2379", ETCD_CA_PATH: "/c", ETCD_KEY_PATH: "/k" },
    "ETCD_CERT_PATH and ETCD_KEY_PATH go together: ETCD_KEY_PATH is set but ETCD_CERT_PATH is not",
  );
  refuse(
    { ETCD_PREFIX: "/postern/" },
    "ETCD_PREFIX is set but CONTROLLER_STORE is not: set CONTROLLER_STORE=etcd://… or etcds://… to use etcd, or unset ETCD_PREFIX",
  );
  refuse({ ETCD_CERT_PATH: "/c" }, "ETCD_CERT_PATH is set but CONTROLLER_STORE is not");
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
