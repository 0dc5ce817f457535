/**
 * The `--ha` side of `deno task demo`: starts {@link startHaTopology}, prints how to kill one of
 * each part, and waits for Ctrl-C. With `--check` it fetches through the tunnel, kills
 * (SIGKILL) one controller, one connector and one etcd member, fetches again, stops and exits 0.
 * @module
 */
import { poll } from "../process/poll.ts";
import { stopOnSignal } from "./child.ts";
import { ETCD_MISSING, etcdInstalled, haInstructions, startHaTopology } from "./ha_topology.ts";
import { PRIVATE_GREETING } from "./topology.ts";

/** Runs the HA demo in `dir`; never returns in the interactive mode (Ctrl-C exits). */
export async function runHaDemo(dir: string, check: boolean): Promise<void> {
  if (!etcdInstalled()) {
    console.error(ETCD_MISSING);
    Deno.exit(1);
  }
  console.log(`Postern HA demo in ${dir}`);
  const t = await startHaTopology({ dir, progress: (line) => console.log(`  … ${line}`) }).catch((e) => {
    console.error(`demo failed: ${(e as Error).message}`);
    Deno.exit(1);
  });
  if (check) {
    const through = () =>
      poll("the private service through the tunnel", async () => {
        const r = await fetch(t.forwardUrl, { signal: AbortSignal.timeout(3_000) });
        return (await r.text()) === PRIVATE_GREETING || undefined;
      }, { timeoutMs: 30_000, retryErrors: true });
    let ok = true;
    try {
      await through();
      for (const name of ["controller-0", "connector-0", "etcd-0"]) {
        Deno.kill(t.children.get(name)!.pid, "SIGKILL");
        console.log(`  … killed ${name}`);
      }
      await through();
    } catch (e) {
      console.error((e as Error).message);
      ok = false;
    }
    await t.stop();
    console.log(ok ? "demo --ha check: ok" : "demo --ha check: failed");
    Deno.exit(ok ? 0 : 1);
  }
  console.log(`\n${haInstructions(t)}`);
  stopOnSignal(() => t.stop());
}
