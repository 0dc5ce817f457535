import assert from "node:assert/strict";
import { DEFAULT_CONNECTOR_PORT } from "../shared/net/ports.ts";
import { connectorConfig } from "./config.ts";

const env = {
  CONTROLLER_ADDR: "127.0.0.1:8443",
  CONNECTOR_ID: "c1",
  CONTROLLER_CA_PATH: "/etc/postern/ca.crt",
  CONNECTOR_PRIVATE_IP: "10.0.0.5",
};

Deno.test("connectorConfig() listens on every address at DEFAULT_CONNECTOR_PORT (9443) unless CONNECTOR_LISTEN_ADDR says otherwise", () => {
  assert.equal(DEFAULT_CONNECTOR_PORT, 9443);
  assert.deepEqual(connectorConfig(env).listen, { hostname: "", port: DEFAULT_CONNECTOR_PORT });
  assert.deepEqual(connectorConfig({ ...env, CONNECTOR_LISTEN_ADDR: "10.0.0.5:10443" }).listen, {
    hostname: "10.0.0.5",
    port: 10443,
  });
});
