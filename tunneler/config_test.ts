import assert from "node:assert/strict";
import { ConfigError } from "../shared/config/config_error.ts";
import { parseConnectorAddrs, parseForwards, tunnelerConfig } from "./config.ts";

Deno.test("parseConnectorAddrs() reads connector-id@ip:port entries, IPv6 included, in order", () => {
  assert.deepEqual(parseConnectorAddrs(" office-1@10.0.0.5:9443, office.2@[fd00::2]:9443 ,"), [
    { id: "office-1", hostname: "10.0.0.5", port: 9443, text: "office-1@10.0.0.5:9443" },
    { id: "office.2", hostname: "fd00::2", port: 9443, text: "office.2@[fd00::2]:9443" },
  ]);
});

const refusals: [string, string][] = [
  [
    "10.0.0.5:9443",
    `CONNECTOR_ADDR: invalid entry "10.0.0.5:9443": name the connector this tunneler trusts at that address: use connector-id@ip:port, e.g. office-1@10.0.0.5:9443 (the connector id is the CONNECTOR_ID it enrolled with)`,
  ],
  [
    "a@10.0.0.5:9443,10.0.0.6:9443",
    `CONNECTOR_ADDR: invalid entry "10.0.0.6:9443": name the connector this tunneler trusts at that address: use connector-id@ip:port, e.g. office-1@10.0.0.5:9443 (the connector id is the CONNECTOR_ID it enrolled with)`,
  ],
  [
    "-bad@10.0.0.5:9443",
    `CONNECTOR_ADDR: invalid entry "-bad@10.0.0.5:9443": invalid connector id "-bad": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
  ],
  [
    "a..b@10.0.0.5:9443",
    `CONNECTOR_ADDR: invalid entry "a..b@10.0.0.5:9443": invalid connector id "a..b": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
  ],
  [
    "@10.0.0.5:9443",
    `CONNECTOR_ADDR: invalid entry "@10.0.0.5:9443": invalid connector id "": use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
  ],
  [
    "a@db.internal:9443",
    `CONNECTOR_ADDR: invalid entry "a@db.internal:9443": the address must be an IP address and port (the connector's IP SAN is checked against it)`,
  ],
  [
    "a@10.0.0.5",
    `CONNECTOR_ADDR: invalid entry "a@10.0.0.5": invalid address "10.0.0.5": use host:port, :port or [ipv6]:port`,
  ],
  [",", "CONNECTOR_ADDR: no connector given: use connector-id@ip:port, e.g. office-1@10.0.0.5:9443"],
]; // deno-fmt-ignore
for (const [text, message] of refusals) {
  Deno.test(`parseConnectorAddrs() refuses "${text}" naming the entry`, () => {
    assert.throws(() => parseConnectorAddrs(text), (e) => e instanceof ConfigError && e.message === message);
  });
}

Deno.test("tunnelerConfig() holds every CONNECTOR_ADDR entry", () => {
  const cfg = tunnelerConfig({
    CONTROLLER_ADDR: "127.0.0.1:8443",
    TUNNELER_ID: "t1",
    CONTROLLER_CA_PATH: "./.postern/ca.crt",
    CONNECTOR_ADDR: "c1@127.0.0.1:9443,c2@127.0.0.2:9443",
  });
  assert.deepEqual(cfg.connectors.map((c) => c.id), ["c1", "c2"]);
});

Deno.test("tunnelerConfig() refuses a state directory or CA outside the roots, naming the variable that set it", () => {
  const env = { CONTROLLER_ADDR: "127.0.0.1:8443", TUNNELER_ID: "t1", CONNECTOR_ADDR: "c1@10.0.0.5:9443" };
  const refusal = (extra: Record<string, string>) => {
    try {
      tunnelerConfig({ ...env, ...extra });
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message.replace(/ \(.*\): /, " (…): ");
    }
    return "accepted";
  };
  assert.equal(
    refusal({ STATE_DIRECTORY: "/var/lib/other" }),
    'STATE_DIRECTORY "/var/lib/other" is outside the writable roots of postern-tunneler (…): set STATE_DIRECTORY to a path under one of them',
  );
  assert.equal(
    refusal({ STATE_DIRECTORY: "/var/lib/postern-tunneler", TUNNELER_STATE_DIR: "/var/lib/other" }),
    'TUNNELER_STATE_DIR "/var/lib/other" is outside the writable roots of postern-tunneler (…): set TUNNELER_STATE_DIR to a path under one of them',
  );
  assert.equal(
    refusal({
      STATE_DIRECTORY: "/var/lib/postern-tunneler",
      CONTROLLER_CA_PATH: "/var/lib/postern-controller/ca.key",
    }),
    'failed to read controller CA: CONTROLLER_CA_PATH "/var/lib/postern-controller/ca.key" is outside the roots of postern-tunneler (…): set CONTROLLER_CA_PATH to a path under one of them',
  );
  assert.equal(
    refusal({
      STATE_DIRECTORY: "/var/lib/postern-tunneler",
      CONTROLLER_CA_PATH: "/run/credentials/postern-tunneler.service/ca.crt",
    }),
    "accepted",
  );
});

Deno.test("parseForwards(): a destination is host:port or the name of a resource", () => {
  assert.deepEqual(
    parseForwards("127.0.0.1:15432=db, 127.0.0.1:15433=DB.internal:5432").map((f) => f.resource),
    [
      "db",
      "DB.internal:5432",
    ],
  );
  assert.throws(
    () => parseForwards("127.0.0.1:1=a b"),
    (e) =>
      e instanceof ConfigError &&
      e.message ===
        `TUNNELER_FORWARDS: invalid entry "127.0.0.1:1=a b": invalid address "a b": use host:port, :port or [ipv6]:port; use listen=host:port or listen=resource-name, e.g. 127.0.0.1:15432=db.internal:5432 or 127.0.0.1:15432=db`,
  );
  assert.throws(() => parseForwards("127.0.0.1:1=:5432"), /the destination needs a host and a port/);
});
