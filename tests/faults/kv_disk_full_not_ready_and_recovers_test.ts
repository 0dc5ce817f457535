/**
 * Fault, real processes (root only: it mounts a tmpfs): the controller's Deno KV lives on a small
 * tmpfs, which is then filled. /readyz says not ready naming Deno KV and the disk, writes through
 * the admin API are refused with a clear error (no crash: the process keeps serving reads), and
 * once the space returns /readyz is ready and writes go through again.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { prepareController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { waitFor } from "../support/wait_for.ts";

const FULL =
  "Deno KV does not take writes: database or disk is full: free space on the disk of CONTROLLER_STATE_DIR or make it writable";
const ROOT = Deno.uid() === 0;
const SKIP = "kv disk full: skipped, mounting a tmpfs needs root (run the tests as root to cover it)";

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

if (!ROOT) console.error(SKIP);

Deno.test({
  name: "Deno KV disk full: /readyz not ready, writes refused clearly, recovery when space returns",
  ignore: !ROOT,
  fn: async () => {
    await using dir = await tempDir();
    const stateDir = `${dir.path}/controller`;
    await Deno.mkdir(stateDir, { mode: 0o700 });
    await run("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", stateDir]);
    try {
      const tc = await prepareController(dir.path);
      const controller = await tc.start();
      try {
        const readyz = async () => {
          const r = await fetch(`${tc.adminUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
          return { status: r.status, body: await r.text() };
        };
        assertEquals((await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" })).status, 201);

        // Fill the disk: one file takes whatever is left.
        const filler = `${stateDir}/filler`;
        await run("sh", ["-c", `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; true`]);
        let notReady = { status: 0, body: "" };
        let tokens = 0;
        await waitFor(
          "/readyz to say not ready on a full disk",
          async () => {
            // Writes fill whatever pages were free; each refused one counts.
            const w = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" });
            if (w.status === 201) tokens++;
            notReady = await readyz();
            return notReady.status === 503 || undefined;
          },
          20_000,
          50,
          controller,
        );
        assertStringIncludes(notReady.body, FULL);
        const refused = await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" });
        assertEquals(refused.status, 503, JSON.stringify(refused.body));
        assertStringIncludes(refused.body.error, FULL);
        assert(tokens < 1000, `tokens made on a full disk: ${tokens}`);
        const list = await tc.admin("GET", "/api/admin/tunnelers");
        assertEquals(list.status, 200, "reads keep answering");
        assertEquals(await Promise.race([controller.exited, Promise.resolve("running")]), "running");

        await Deno.remove(filler);
        await waitFor(
          "/readyz ready once space returns",
          async () => (await readyz()).status === 200 || undefined,
          20_000,
          100,
          controller,
        );
        assertEquals((await tc.admin("POST", "/api/admin/tokens", { role: "tunneler" })).status, 201);
      } finally {
        await controller.stop();
      }
    } finally {
      await run("umount", ["-l", stateDir]).catch(() => {});
    }
  },
});
