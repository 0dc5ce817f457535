import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";
import { duration, hostPort, parseDuration, parseHostPort, required, stateDirectoryVariable } from "./env.ts";

Deno.test("parseDuration() accepts s, m, h and ms", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("15m"), 900_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("250ms"), 250);
});

Deno.test("parseDuration() refuses other forms with the value quoted", () => {
  for (const bad of ["1d", "h", "-1s", "1.5h", "0s", ""]) {
    assert.throws(() => parseDuration(bad), RangeError, bad);
  }
});

Deno.test("duration() names the variable in its error", () => {
  assert.throws(
    () => duration({ OFFLINE_AFTER: "soon" }, "OFFLINE_AFTER", "30s"),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message ===
        'OFFLINE_AFTER: invalid duration "soon": use a whole number with s, m or h, e.g. 30s, 15m, 1h',
  );
  assert.equal(duration({}, "OFFLINE_AFTER", "30s"), 30_000);
});

Deno.test("parseHostPort() reads host:port, :port and [v6]:port", () => {
  assert.deepEqual(parseHostPort(":8080"), { hostname: "", port: 8080 });
  assert.deepEqual(parseHostPort("10.0.0.5:9443"), {
    hostname: "10.0.0.5",
    port: 9443,
  });
  assert.deepEqual(parseHostPort("[::1]:53"), { hostname: "::1", port: 53 });
  assert.throws(() => parseHostPort("8080"), RangeError, '"8080"');
  assert.throws(() => parseHostPort("host:70000"), RangeError);
});

Deno.test("required() and hostPort() name the missing variable", () => {
  assert.throws(
    () => required({}, "ADMIN_AUTH_TOKEN"),
    ConfigError,
    "ADMIN_AUTH_TOKEN is required",
  );
  assert.throws(
    () => hostPort({}, "CONTROLLER_ADDR"),
    ConfigError,
    "CONTROLLER_ADDR is required",
  );
});

Deno.test("stateDirectoryVariable() names the explicit variable, or STATE_DIRECTORY when only systemd's is set", () => {
  assert.equal(stateDirectoryVariable({}, "CONNECTOR_STATE_DIR"), "CONNECTOR_STATE_DIR");
  assert.equal(
    stateDirectoryVariable({ STATE_DIRECTORY: "/var/lib/a:/var/lib/b" }, "CONNECTOR_STATE_DIR"),
    "STATE_DIRECTORY",
  );
  assert.equal(
    stateDirectoryVariable(
      { STATE_DIRECTORY: "/var/lib/a", CONNECTOR_STATE_DIR: "/srv/c" },
      "CONNECTOR_STATE_DIR",
    ),
    "CONNECTOR_STATE_DIR",
  );
  assert.equal(
    stateDirectoryVariable({ CONNECTOR_STATE_DIR: " " }, "CONNECTOR_STATE_DIR"),
    "CONNECTOR_STATE_DIR",
  );
});
