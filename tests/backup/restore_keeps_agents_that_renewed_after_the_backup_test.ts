/**
 * Backup and restore for real: a backup taken while the controller runs, both agents renew after
 * it, the controller stops, the backup is restored into a fresh state directory and the controller
 * restarts on it. The agents' newest certificates are not in the backup; they are adopted (issued
 * by our CA for an enrolled id after the backup was taken), both agents renew again without new
 * tokens and are ONLINE, and the backup file is 0600. Without adopt.ts, Renew refuses them.
 */
import assert from "node:assert/strict";
import { clusterWithEcho, connectorAndTunneler } from "../agents/_cluster.ts";

import { startProgram } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";

Deno.test("agents that renewed after a backup renew again and stay ONLINE after a restore into a fresh state directory", async () => {
  await using rig = await clusterWithEcho({ CONNECTOR_CERT_TTL: "9s", TUNNELER_CERT_TTL: "9s" });
  const { c, dir, echo } = rig;
  const { connector, tunneler } = await connectorAndTunneler(c, `127.0.0.1:${echo.port}`);
  await waitFor(
    "c1 and t1 ONLINE",
    async () =>
      (await c.status("connectors", "c1")) === "ONLINE" &&
        (await c.status("tunnelers", "t1")) === "ONLINE" ||
      undefined,
  );

  const passFile = `${dir}/passphrase`;
  await Deno.writeTextFile(passFile, "correct horse battery staple\n");
  const backupFile = `${dir}/controller.backup`;
  const caEnv = { INTERNAL_CA_CERT_FILE: c.caCert, INTERNAL_CA_KEY_FILE: c.caKey };
  const backup = startProgram("controller", {
    args: ["backup", "--out", backupFile, "--key-passphrase-file", passFile],
    env: { CONTROLLER_STATE_DIR: `${dir}/controller`, ...caEnv },
  });
  assert.deepEqual(await backup.exited, 0, backup.lines.join("\n"));
  assert.deepEqual((await Deno.stat(backupFile)).mode! & 0o777, 0o600);

  const renewals = (p: typeof connector) => p.lines.filter((l) => l.includes("certificate renewed")).length;
  const before = { c: renewals(connector), t: renewals(tunneler) };
  await waitFor(
    "both agents renewed after the backup",
    () => Promise.resolve(renewals(connector) > before.c && renewals(tunneler) > before.t || undefined),
    20_000,
  );
  assert.deepEqual(await c.stopController(), 0);

  const restore = startProgram("controller", {
    args: ["restore", "--in", backupFile, "--key-passphrase-file", passFile],
    env: { CONTROLLER_STATE_DIR: `${dir}/restored` },
  });
  assert.deepEqual(await restore.exited, 0, restore.lines.join("\n"));
  assert.ok(restore.lines.some((l) => l.startsWith("restored ")), restore.lines.join("\n"));

  const after = { c: renewals(connector), t: renewals(tunneler) };
  await c.startController({ CONTROLLER_STATE_DIR: `${dir}/restored` });
  await waitFor(
    "both agents renewed on the restored controller",
    () => Promise.resolve(renewals(connector) > after.c && renewals(tunneler) > after.t || undefined),
    30_000,
    100,
    c.controller,
  );
  await waitFor(
    "c1 and t1 ONLINE on the restored controller",
    async () =>
      (await c.status("connectors", "c1")) === "ONLINE" &&
        (await c.status("tunnelers", "t1")) === "ONLINE" ||
      undefined,
  );
  const events = await c.admin("GET", "/api/admin/events?limit=500");
  const kinds: string[] = (events.body.events ?? events.body).map((e: { kind: string }) => e.kind);
  assert.ok(kinds.includes("tunneler.certificate_adopted"), kinds.join(","));
  assert.ok(kinds.includes("connector.certificate_adopted"), kinds.join(","));
  assert.ok(kinds.includes("tunneler.enrolled"), "events of before the backup survive: " + kinds.join(","));
  assert.deepEqual(await Promise.race([tunneler.exited, Promise.resolve("running")]), "running");
  assert.deepEqual(await Promise.race([connector.exited, Promise.resolve("running")]), "running");
});
