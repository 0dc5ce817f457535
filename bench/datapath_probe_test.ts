/**
 * The smoke version of bench/datapath_probe.ts: tiny sizes, with the data-plane worker prototype
 * (WORKERS=2, two listeners on one port through SO_REUSEPORT). Asserts that every transfer came
 * back whole and that the per-thread figures name the threads that carried it, never how fast.
 */
import assert from "node:assert/strict";

Deno.test({
  name: "datapath_probe moves one and eight tunnels through two connector workers and reports their threads",
  sanitizeResources: false,
  async fn() {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./datapath_probe.ts", import.meta.url).pathname, "2", "0", "2"],
      env: { WORKERS: "2" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(r.stdout), stderr = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, stdout + stderr);
    const out = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(out.bulk, { bytes: 2 * 1024 * 1024, complete: true, MBps: out.bulk.MBps });
    assert.equal(out.bulk8.streams, 8);
    assert.equal(out.bulk8.complete, true);
    assert.equal(typeof out.bulk8_load.machine_idle_percent, "number");
    assert.match(stderr, /connector cpu [\d.]+ s \(2 workers\)/);
  },
});
