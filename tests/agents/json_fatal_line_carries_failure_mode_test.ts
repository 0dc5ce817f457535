/**
 * With LOG_FORMAT=json a program's fatal line is a JSON log line: its msg is the text line
 * (`postern-connector: [1.1] ENROLLMENT_TOKEN is required: ...`) and it has the field failure_mode.
 */
import assert from "node:assert/strict";
import { startProgram } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";

Deno.test("connector enroll without a token under LOG_FORMAT=json ends with a JSON line with failure_mode 1.1", async () => {
  await using dir = await tempDir();
  const p = startProgram("connector", {
    args: ["enroll"],
    env: {
      LOG_FORMAT: "json",
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      CONNECTOR_ID: "c1",
      CONNECTOR_PRIVATE_IP: "127.0.0.1",
      CONNECTOR_STATE_DIR: `${dir.path}/c`,
      CONTROLLER_CA_PATH: `${dir.path}/missing-ca.crt`,
    },
  });
  assert.deepEqual(await p.exited, 2);
  const last = JSON.parse(p.lines.at(-1)!);
  assert.deepEqual([last.level, last.failure_mode], ["error", "1.1"]);
  assert.ok(String(last.msg).startsWith("postern-connector: [1.1] ENROLLMENT_TOKEN is required: "), last.msg);
});
