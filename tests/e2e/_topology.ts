/**
 * The end-to-end tests' one way to run the demo topology: a fresh directory, the topology started
 * in it (UI and forward on free ports unless told otherwise), and always stopped and removed after.
 * @module
 */
import { startTopology, type Topology, type TopologyOptions } from "../../shared/demo/topology.ts";
import { makeTestDir } from "../support/paths.ts";

/** Runs `fn` on a topology started with `options` in a new directory; stops it and removes the directory. */
export async function withTopology(
  fn: (t: Topology, dir: string) => Promise<void>,
  options: Omit<TopologyOptions, "dir"> = {},
): Promise<void> {
  const dir = await makeTestDir({ prefix: "postern-e2e-" });
  try {
    const t = await startTopology({ uiPort: 0, forwardPort: 0, ...options, dir });
    try {
      await fn(t, dir);
    } finally {
      await t.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
