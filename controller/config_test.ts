import assert from "node:assert/strict";
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
  assert.deepEqual(c.trustDomain, "postern.internal");
  assert.deepEqual(c.adminAddr, { hostname: "127.0.0.1", port: 8080 });
  assert.deepEqual(c.grpcAddr, { hostname: "", port: 8443 });
  assert.deepEqual(c.stateDir, "./.postern/controller");
  assert.deepEqual(c.connectorCertTtlMs, 3_600_000);
  assert.deepEqual(c.heartbeatIntervalMs, 10_000);
  assert.deepEqual(c.offlineAfterMs, 30_000);
  assert.deepEqual(c.renewGraceMs, 7 * 86_400_000);
  assert.deepEqual(
    parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, STATE_DIRECTORY: "/var/lib/postern-controller" }).stateDir,
    "/var/lib/postern-controller",
  );
  assert.deepEqual(
    parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, TRUST_DOMAIN: "Example.COM." }).trustDomain,
    "example.com",
  );
});

Deno.test("parseBaseConfig() names the variable on a bad value", () => {
  assert.throws(
    () => parseBaseConfig({}),
    (e) => e instanceof ConfigError && e.message.includes("ADMIN_AUTH_TOKEN is required"),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, TRUST_DOMAIN: "bad_domain" }),
    (e) => e instanceof ConfigError && e.message.includes("invalid domain"),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, TRUST_DOMAIN: "bad_domain" }),
    (e) => e instanceof ConfigError && e.message.includes("bad_domain"),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, OFFLINE_AFTER: "ten" }),
    (e) => e instanceof ConfigError && e.message.includes("OFFLINE_AFTER"),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, ADMIN_HTTP_ADDR: "x" }),
    (e) => e instanceof ConfigError && e.message.includes("ADMIN_HTTP_ADDR"),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, OFFLINE_AFTER: "5s", HEARTBEAT_INTERVAL: "10s" }),
    (e) => e instanceof ConfigError && e.message.includes("OFFLINE_AFTER"),
  );
});

Deno.test("parseLongDuration() accepts days for RENEW_GRACE", () => {
  assert.deepEqual(parseLongDuration("7d"), 604_800_000);
  assert.deepEqual(parseLongDuration("168h"), 604_800_000);
  assert.throws(() => parseLongDuration("0d"), RangeError);
  assert.throws(
    () => parseLongDuration("1w"),
    (e) => e instanceof RangeError && e.message.includes("invalid duration"),
  );
});

Deno.test("loadConfig() loads the CA from PEM text and refuses a missing file (1.3)", async () => {
  const pki = await makeTestPki();
  const c = await loadConfig({
    ADMIN_AUTH_TOKEN: TOKEN,
    INTERNAL_CA_CERT: pki.caPem,
    INTERNAL_CA_KEY: pki.caKeyPem,
  });
  assert.deepEqual(c.ca.fingerprint, pki.ca.fingerprint);
  await assert.rejects(() =>
    loadConfig({
      ADMIN_AUTH_TOKEN: TOKEN,
      INTERNAL_CA_CERT_FILE: "/nonexistent/ca.crt",
      INTERNAL_CA_KEY: pki.caKeyPem,
    }), (e) => e instanceof ConfigError && e.message.includes("invalid internal CA"));
  await assert.rejects(
    () => loadConfig({ ADMIN_AUTH_TOKEN: TOKEN, INTERNAL_CA_CERT: "garbage", INTERNAL_CA_KEY: pki.caKeyPem }),
    (e) => e instanceof ConfigError && e.message.includes("invalid internal CA"),
  );
  await assert.rejects(
    () => loadConfig({ ADMIN_AUTH_TOKEN: TOKEN }),
    (e) => e instanceof ConfigError && e.message.includes("invalid internal CA"),
  );
});

Deno.test("parseBaseConfig() reads the event retention, with the contract's defaults and named errors", () => {
  assert.deepEqual(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN }).eventRetention, {
    security: { maxAgeMs: 30 * 86_400_000, maxCount: 100_000 },
    flow: { maxAgeMs: 7 * 86_400_000, maxCount: 100_000 },
  });
  assert.deepEqual(
    parseBaseConfig({
      ADMIN_AUTH_TOKEN: TOKEN,
      EVENTS_RETENTION: "1s",
      EVENTS_MAX: "5",
      FLOW_EVENTS_RETENTION: "2h",
      FLOW_EVENTS_MAX: "7",
    }).eventRetention,
    { security: { maxAgeMs: 1000, maxCount: 5 }, flow: { maxAgeMs: 7_200_000, maxCount: 7 } },
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_MAX: "0" }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes('EVENTS_MAX: invalid count "0": use a whole number from 1 to 10000000'),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, FLOW_EVENTS_MAX: "1e3" }),
    (e) => e instanceof ConfigError && e.message.includes('FLOW_EVENTS_MAX: invalid count "1e3"'),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, FLOW_EVENTS_RETENTION: "1w" }),
    (e) => e instanceof ConfigError && e.message.includes('FLOW_EVENTS_RETENTION: invalid duration "1w"'),
  );
});

Deno.test("adminTlsPathsFrom() wants both ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE or neither", () => {
  assert.deepEqual(adminTlsPathsFrom({}), undefined);
  assert.deepEqual(adminTlsPathsFrom({ ADMIN_TLS_CERT_FILE: "/c", ADMIN_TLS_KEY_FILE: "/k" }), {
    certPath: "/c",
    keyPath: "/k",
  });
  assert.throws(
    () => adminTlsPathsFrom({ ADMIN_TLS_CERT_FILE: "/c" }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes(
        "ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE go together: ADMIN_TLS_CERT_FILE is set but ADMIN_TLS_KEY_FILE is not",
      ),
  );
  assert.throws(
    () => adminTlsPathsFrom({ ADMIN_TLS_KEY_FILE: "/k" }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes("ADMIN_TLS_KEY_FILE is set but ADMIN_TLS_CERT_FILE is not"),
  );
});

Deno.test("parseBaseConfig() refuses a state directory or CA file outside the roots, naming the variable", () => {
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, CONTROLLER_STATE_DIR: "/var/lib/postern-connector" }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes(
        'CONTROLLER_STATE_DIR "/var/lib/postern-connector" is outside the writable roots of postern-controller',
      ),
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, INTERNAL_CA_KEY_FILE: "/root/ca.key" }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes(
        'invalid internal CA: INTERNAL_CA_KEY_FILE "/root/ca.key" is outside the roots of postern-controller',
      ),
  );
  assert.throws(
    () =>
      parseBaseConfig({
        ADMIN_AUTH_TOKEN: TOKEN,
        ADMIN_TLS_CERT_FILE: "/tmp/a.crt",
        ADMIN_TLS_KEY_FILE: "/etc/postern/a.key",
      }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes('ADMIN_TLS_CERT_FILE "/tmp/a.crt" is outside the roots of postern-controller'),
  );
});

Deno.test("storeConfigFrom() defaults to Deno KV in the state directory and parses etcd:// and etcds://", () => {
  assert.deepEqual(storeConfigFrom({ CONTROLLER_STATE_DIR: "/var/lib/x" }), {
    kind: "kv",
    stateDir: "/var/lib/x",
  });
  assert.deepEqual(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN }).store, {
    kind: "kv",
    stateDir: "./.postern/controller",
  });
  assert.deepEqual(
    storeConfigFrom({ CONTROLLER_STORE: "etcd://127.0.0.1:2379, 127.0.0.2:2379,[::1]:2380" }),
    {
      kind: "etcd",
      endpoints: [
        { hostname: "127.0.0.1", port: 2379 },
        { hostname: "127.0.0.2", port: 2379 },
        { hostname: "::1", port: 2380 },
      ],
      prefix: "/postern/",
    },
  );
  assert.deepEqual(
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
  assert.deepEqual(
    storeConfigFrom({ CONTROLLER_STORE: "etcds://127.0.0.1:2379", ETCD_CA_PATH: "/etc/postern/ca.crt" }).kind,
    "etcd",
  );
});

Deno.test("storeConfigFrom() refuses a bad CONTROLLER_STORE or ETCD_* value naming the variable and the fix", () => {
  const refuse = (env: Record<string, string>, message: string) =>
    assert.throws(() => storeConfigFrom(env), (e) => e instanceof ConfigError && e.message.includes(message));
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
  assert.deepEqual(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN }).eventsSink, undefined);
  assert.deepEqual(parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_SINK: "-" }).eventsSink, "-");
  assert.deepEqual(
    parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_SINK: "/var/lib/postern-controller/events.jsonl" })
      .eventsSink,
    "/var/lib/postern-controller/events.jsonl",
  );
  assert.throws(
    () => parseBaseConfig({ ADMIN_AUTH_TOKEN: TOKEN, EVENTS_SINK: "/tmp/events.jsonl" }),
    (e) =>
      e instanceof ConfigError &&
      e.message.includes(
        `EVENTS_SINK "/tmp/events.jsonl" is outside the writable roots of postern-controller`,
      ),
  );
});
