import assert from "node:assert/strict";
import { checkRoots } from "../../shared/config/roots.ts";
import { REPO_ROOT } from "../support/process.ts";

const PROGRAMS = ["controller", "connector", "tunneler", "ui"] as const;
const hasSystemdAnalyze = await new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);
if (!hasSystemdAnalyze) {
  console.warn("SKIP systemd unit tests: systemd-analyze not installed (apt-get install systemd)");
}

/** Copies a unit with ExecStart pointed at /bin/true, since verify checks that the binary exists. */
async function stageUnit(program: string): Promise<{ dir: string; path: string; text: string }> {
  const text = await Deno.readTextFile(`${REPO_ROOT}systemd/postern-${program}.service`);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/postern-${program}.service`;
  await Deno.writeTextFile(path, text.replace(/\/usr\/local\/bin\/postern-[a-z]+/, "/bin/true"));
  return { dir, path, text };
}

async function analyze(args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command("systemd-analyze", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

for (const program of PROGRAMS) {
  Deno.test({
    name: `postern-${program}.service passes systemd-analyze verify with no warning`,
    ignore: !hasSystemdAnalyze,
    fn: async () => {
      const unit = await stageUnit(program);
      const { code, out } = await analyze(["verify", "--man=no", unit.path]);
      await Deno.remove(unit.dir, { recursive: true });
      assert.equal(code, 0, out);
      assert.equal(out.trim(), "");
    },
  });

  Deno.test({
    name: `postern-${program}.service is hardened to an exposure of 2.0 or less`,
    ignore: !hasSystemdAnalyze,
    fn: async () => {
      const unit = await stageUnit(program);
      const { out } = await analyze(["security", "--offline=true", "--no-pager", unit.path]);
      await Deno.remove(unit.dir, { recursive: true });
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(out)?.[1]);
      assert.ok(score <= 2.0, `exposure ${score}:\n${out}`);
    },
  });

  Deno.test(`postern-${program}.service runs the compiled binary under a dynamic user with its EnvironmentFile`, async () => {
    const text = await Deno.readTextFile(`${REPO_ROOT}systemd/postern-${program}.service`);
    // No "-" before the path: a missing file must stop the start (failure mode 5.1).
    assert.match(text, new RegExp(`^EnvironmentFile=/etc/postern/${program}\\.conf$`, "m"));
    assert.match(text, new RegExp(`^ExecStart=/usr/local/bin/postern-${program}\\b`, "m"));
    assert.match(text, /^DynamicUser=yes$/m);
    assert.match(text, /^RestartPreventExitStatus=2 3$/m);
    if (program === "connector" || program === "tunneler") {
      // The CA reaches the dynamic user as a credential, never through a directory it cannot read (5.2).
      assert.match(text, /^LoadCredential=ca\.crt:\/etc\/postern\/ca\.crt$/m);
      assert.match(text, /^Environment=CONTROLLER_CA_PATH=%d\/ca\.crt$/m);
    }
  });

  Deno.test(`postern-${program}.service hands postern-${program} only paths under its roots`, async () => {
    const text = await Deno.readTextFile(`${REPO_ROOT}systemd/postern-${program}.service`);
    // What systemd passes: STATE_DIRECTORY from StateDirectory=, %d is CREDENTIALS_DIRECTORY, and the
    // files of EnvironmentFile= and LoadCredential= sources (read by systemd as root, kept under /etc/postern).
    const credentials = `/run/credentials/postern-${program}.service`;
    const paths = [
      ...[...text.matchAll(/^StateDirectory=(\S+)$/gm)].map((m) => ({
        name: "StateDirectory",
        path: `/var/lib/${m[1]}`,
        access: "write" as const,
      })),
      ...[...text.matchAll(/^Environment=([A-Z_]+)=(\S+)$/gm)]
        .filter((m) => m[1]!.endsWith("_PATH") || m[1]!.endsWith("_FILE") || m[1]!.endsWith("_DIR"))
        .map((m) => ({ name: m[1]!, path: m[2]!.replace("%d", credentials) })),
      ...[...text.matchAll(/^EnvironmentFile=(\S+)$/gm)].map((m) => ({
        name: "EnvironmentFile",
        path: m[1]!,
      })),
      ...[...text.matchAll(/^LoadCredential=[^:\n]+:(\S+)$/gm)].map((m) => ({
        name: "LoadCredential",
        path: m[1]!,
      })),
    ];
    assert.equal(
      paths.some((p) => p.name === "StateDirectory"),
      program !== "ui",
      "only the UI keeps no state",
    );
    assert.ok(paths.some((p) => p.name === "EnvironmentFile"), "the unit names its EnvironmentFile");
    checkRoots(program, paths, { cwd: "/" });
  });
}
