import assert from "node:assert/strict";
import { formatHostPort, parseHostPort, splitHostPort } from "./host_port.ts";
import { stateDirectory } from "../config/env.ts";

Deno.test("parseHostPort takes host:port, :port and [v6]:port and refuses the rest by name", () => {
  assert.deepEqual(parseHostPort("db.internal:5432"), { hostname: "db.internal", port: 5432 });
  assert.deepEqual(parseHostPort(":9443"), { hostname: "", port: 9443 });
  assert.deepEqual(parseHostPort(" [::1]:22 "), { hostname: "::1", port: 22 });
  for (const bad of ["host", "host:65536", "[fd00::/8]:22", "a b:1", "[::1]"]) {
    assert.throws(() => parseHostPort(bad), {
      name: "RangeError",
      message: `invalid address "${bad}": use host:port, :port or [ipv6]:port`,
    });
  }
  assert.deepEqual(formatHostPort({ hostname: "::1", port: 22 }), "[::1]:22");
});

Deno.test("splitHostPort keeps a bracketed CIDR for the connector's rules", () => {
  assert.deepEqual(splitHostPort("[fd00::/8]:22"), { hostname: "fd00::/8", port: 22, bracketed: true });
  assert.deepEqual(splitHostPort("10.0.0.0/8:22"), { hostname: "10.0.0.0/8", port: 22, bracketed: false });
  assert.deepEqual(splitHostPort("a]b:22"), undefined);
});

Deno.test("stateDirectory: the program's variable, then systemd's first entry, then ./.postern/<role>", () => {
  assert.deepEqual(stateDirectory({ X_STATE_DIR: "/a", STATE_DIRECTORY: "/b" }, "X_STATE_DIR", "x"), "/a");
  assert.deepEqual(stateDirectory({ STATE_DIRECTORY: "/b:/c" }, "X_STATE_DIR", "x"), "/b");
  assert.deepEqual(stateDirectory({}, "X_STATE_DIR", "x"), "./.postern/x");
});
