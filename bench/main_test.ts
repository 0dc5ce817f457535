/**
 * The smoke version of `deno task bench`: every part at tiny sizes, into a temporary file, so
 * that none of the benchmarks rots. It asserts that each part ran and reported its figures beside
 * its peer, never how fast anything was.
 */
import assert from "node:assert/strict";
import { replaceLatest, stallTimes, table } from "./main.ts";
import { etcdAvailable } from "../tests/support/etcd_cluster.ts";
import { chromiumMissing } from "../tests/support/chromium.ts";

const haveChromium = await chromiumMissing() === undefined;

/** `deno task bench --smoke` with `args`, its table into `dir`: its stdout, once it exited 0. */
async function smokePart(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./main.ts", import.meta.url).pathname,
      "--smoke",
      ...args,
      "--out",
      `${dir}/R.md`,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 0, stdout + new TextDecoder().decode(r.stderr));
  return stdout;
}

Deno.test("replaceLatest() replaces the latest block and keeps the analysis around it", () => {
  const first = replaceLatest("# Benchmark results\n\nOld analysis.\n", "## Latest run: A");
  assert.match(
    first,
    /^# Benchmark results\n\n<!-- bench:latest:start[^\n]*-->\n## Latest run: A\n<!-- bench:latest:end -->\n\nOld analysis\.\n$/,
  );
  const second = replaceLatest(first, "## Latest run: B");
  assert.equal(second, first.replace("Latest run: A", "Latest run: B"));
});

Deno.test("table() pads the columns and right-aligns the figures", () => {
  const t = table([{ area: "a", figure: "f", postern: "1", peer: "p", peerValue: "22", ratio: "0.05" }]);
  const lines = t.split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^\| -+ \| -+ \| -+: \| -+ \| -+: \| -+: \|$/);
  assert.ok(lines.every((l) => l.length === lines[0]!.length));
});

Deno.test("stallTimes() places each logged stall from the ramp's end and says none when none was logged", () => {
  assert.equal(
    stallTimes([[{ s_after_ramp: -41.2, ms: 405 }, { s_after_ramp: 3.1, ms: 250 }]]),
    "-41.2 (405), 3.1 (250)",
  );
  assert.equal(stallTimes([[]]), "none");
  assert.equal(stallTimes(undefined), "-");
  const ten = Array.from({ length: 10 }, (_, i) => ({ s_after_ramp: i, ms: 201 }));
  assert.match(stallTimes([ten]), /^0 \(201\), .*, 7 \(201\), 2 more$/);
});

Deno.test({
  name:
    "deno task bench --only control shows heartbeat to registry and the stalls of each window beside the target",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "postern-bench-control-" });
    try {
      const stdout = await smokePart(dir, ["--only", "control"]);
      const row = (figure: string, rest: string) =>
        assert.match(
          stdout,
          new RegExp(`\\| control plane, 10 agents +\\| ${figure}[^|]*\\| ${rest}`),
          figure,
        );
      row(
        "heartbeat to registry \\(GET shows it\\) p50 / p99 / max ms",
        "[\\d.]+ / [\\d.]+ / [\\d.]+ +\\| target p99 +\\| +< 100",
      );
      row(
        "steady window \\(\\d+-\\d+ s after the ramp\\): longest event-loop stall ms",
        "\\d+ \\(\\d+\\); \\d+ +\\| target stall",
      );
      row(
        "whole run \\(enrollment and ramp included\\): longest event-loop stall ms",
        "\\d+ \\(\\d+\\) +\\| target stall",
      );
      row("stalls over 200 ms as logged", "(none|-?[\\d.]+ \\(\\d+\\))");
      row("steady window: mark-compacts", "\\d+ \\(\\d+; \\d+\\); \\d+ ");
      assert.doesNotMatch(stdout, /error:/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task bench --smoke runs every part and writes the table with the peer beside each figure",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "postern-bench-smoke-" });
    try {
      const out = `${dir}/RESULTS.md`;
      await Deno.writeTextFile(out, "# Benchmark results\n\nThe analysis stays.\n");
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, "--smoke", "--out", out],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(r.stdout);
      assert.equal(r.code, 0, stdout + new TextDecoder().decode(r.stderr));
      const text = await Deno.readTextFile(out);
      assert.match(text, /The analysis stays\./);
      assert.match(text, /`deno task bench --smoke --out [^`]+`\s\(\d+ s; sizes/);
      // Each peer's figure stands in the row of Postern's figure (or right under it).
      const peerRow = (area: string, peer: string) =>
        assert.match(stdout, new RegExp(`\\| ${area}[^\\n]*\\| ${peer}[^|]*\\| +\\d`), `${area} / ${peer}`);
      const posternRow = (area: string, figure: string) =>
        assert.match(stdout, new RegExp(`\\| ${area} +\\| ${figure}[^|]*\\| +\\d`), `${area} / ${figure}`);
      posternRow("enrollment", "enrollments/s end to end");
      peerRow("enrollment +", "issueSvid\\(\\) alone");
      peerRow("enrollment +", "WebCrypto");
      peerRow("enrollment +", "`openssl speed ecdsap256`");
      posternRow("data plane", "one bulk tunnel");
      peerRow("data plane +", "stunnel");
      posternRow("data plane", "new tunneled connections");
      posternRow("data plane", "8 bulk tunnels at once");
      peerRow("data plane +", "stunnel, 8 connections");
      posternRow("data plane", "meanwhile: connector / tunneler event loop, % of a core; machine idle %");
      posternRow("control plane, 10 agents", "GET one connector");
      peerRow("control plane, 10 agents", "target");
      if (etcdAvailable()) {
        posternRow("HA, 10 agents", "2 controllers on 3 etcd members: streams established");
        peerRow("HA, 10 agents", "1 controller on Deno KV");
        assert.match(
          stdout,
          /streams established \/ failed attempts +\| +10 \/ \d+ +\| 1 controller on Deno KV +\| +10 \//,
        );
        posternRow("HA, 10 agents", "RSS per controller after ramp, MiB");
        assert.match(stdout, /RSS per controller after ramp, MiB \(peak\) +\| +\d+ \+ \d+ \(/);
        posternRow("HA, 10 agents", "heartbeat to registry");
        posternRow("HA, 10 agents", "allowlist PUT \\(through the other controller\\)");
        posternRow("HA, 10 agents", "store writes/s with the probe's PUTs: etcd revisions");
        posternRow("HA, 10 agents", "store writes/s, heartbeats only");
      }
      posternRow("status[^|]*", "graceful stop \\(SIGTERM\\) to OFFLINE");
      posternRow("status[^|]*", "crash \\(SIGKILL\\) to OFFLINE");
      if (haveChromium) {
        posternRow(
          "status[^|]*",
          "graceful stop \\(SIGTERM\\) to OFFLINE on the connectors page in Chromium",
        );
        posternRow("status[^|]*", "crash \\(SIGKILL\\) to OFFLINE on the connectors page in Chromium");
        posternRow("status[^|]*", "process start to ONLINE on the connectors page in Chromium");
      }
      assert.match(stdout, /enrollments\/s end to end, concurrency 16 \(16 ok, 0 failed\)/);
      assert.match(stdout, /streams established \/ failed attempts +\| +10 \//);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task bench --only ha without etcd skips the HA part and names the missing binary",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "postern-bench-noetcd-" });
    try {
      const stdout = await smokePart(dir, ["--only", "ha"], { POSTERN_TEST_ETCD: `${dir}/no-etcd` });
      assert.match(
        stdout,
        new RegExp(
          `\\| HA, 10 agents +\\| skipped: etcd not found at "${dir}/no-etcd" \\(install it with apt-get install etcd-server, or set POSTERN_TEST_ETCD\\)`,
        ),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task bench --only status without Chromium keeps the API rows and names the missing browser",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "postern-bench-nochromium-" });
    try {
      const stdout = await smokePart(dir, ["--only", "status", "--chromium", `${dir}/no-chromium`]);
      assert.match(stdout, /\| status[^|]*\| graceful stop \(SIGTERM\) to OFFLINE in the API[^|]*\| +\d/);
      assert.match(
        stdout,
        new RegExp(
          `\\| status[^|]*\\| on the connectors page in Chromium: skipped: chromium not found at "${dir}/no-chromium" \\(install it with apt-get install chromium\\)`,
        ),
      );
      assert.doesNotMatch(stdout, /error:/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
