/**
 * Misconfiguration that would leave a tunneler unpinned: CONNECTOR_ADDR as a bare `ip:port`
 * would accept any connector certificate holding that IP. The tunneler refuses to start (exit 2)
 * and asks for the connector id.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";

Deno.test("tunneler with a bare ip:port CONNECTOR_ADDR exits 2 and asks for the connector id", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/ca.crt`, (await makeTestPki()).caPem);
  const p = startProgram("tunneler", {
    args: ["run"],
    env: {
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      TUNNELER_ID: "t1",
      CONTROLLER_CA_PATH: `${dir.path}/ca.crt`,
      ENROLLMENT_TOKEN: "unused",
      CONNECTOR_ADDR: "127.0.0.1:9443",
      TUNNELER_STATE_DIR: `${dir.path}/tunneler`,
    },
  });
  assert.equal(await p.exited, 2, p.lines.join("\n"));
  assert.ok(
    p.lines.some((l) =>
      l.includes(
        `CONNECTOR_ADDR: invalid entry "127.0.0.1:9443": name the connector this tunneler trusts at that address: use connector-id@ip:port, e.g. office-1@10.0.0.5:9443`,
      )
    ),
    p.lines.join("\n"),
  );
});
