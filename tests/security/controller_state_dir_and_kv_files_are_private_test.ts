/**
 * A fresh state directory is created 0700 and the KV files in it (which hold the CA private key)
 * are 0600, even under a permissive umask: the modes are set exactly, not left to the umask.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { prepareController } from "../support/controller.ts";
import { startCommand } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";

function mode(path: string): string {
  return ((Deno.statSync(path).mode ?? 0) & 0o777).toString(8).padStart(4, "0");
}

Deno.test("controller under umask 000 creates its state dir 0700 and the KV files and their -wal/-shm 0600", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const stateDir = controller.env.CONTROLLER_STATE_DIR!;
  const p = startCommand(
    "sh",
    [
      "-c",
      'umask 000 && exec "$0" "$@"',
      Deno.execPath(),
      "run",
      "-P=controller",
      "controller/main.ts",
      "serve",
    ],
    { env: { ...controller.env } },
  );
  try {
    await waitFor(
      "the controller to be ready",
      async () => {
        const r = await fetch(`${controller.adminUrl}/readyz`).catch(() => undefined);
        await r?.body?.cancel();
        return r?.ok || undefined;
      },
      20_000,
      100,
      p,
    );
    const files = [...Deno.readDirSync(stateDir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["controller.kv", "controller.kv-shm", "controller.kv-wal"]);
    assert.equal(mode(stateDir), "0700");
    for (const f of files) assert.equal(mode(`${stateDir}/${f}`), "0600", f);
  } finally {
    await p.stop();
  }
});
