/**
 * Failure mode 5.2: the service's user cannot read the CA file (a directory too strict for a
 * DynamicUser). The agent runs here as the unprivileged user `nobody` (setpriv), so the kernel's
 * denial is genuine: `run` exits 2 naming the file, `doctor` (as the same user) fails 5.2, chosen
 * from the typed PermissionDenied cause; once the file is readable (what the units' LoadCredential=
 * arranges), doctor passes 1.3. Not covered: systemd's LoadCredential= itself (no PID 1 systemd).
 * Skipped, with a message, when the test does not run as root or setpriv is missing.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startCommand } from "../support/process.ts";
import { within } from "../support/within.ts";
import { assertFatalWith, assertLine, type DoctorFinding } from "./_symptom.ts";

const isRoot = Deno.uid() === 0;
const hasSetpriv = await new Deno.Command("setpriv", { args: ["--version"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);
const SKIP = !isRoot || !hasSetpriv;
if (SKIP) {
  console.warn(
    `SKIP 5.2: needs root and setpriv to run the agent as nobody (uid ${Deno.uid()}, setpriv ${
      hasSetpriv ? "present" : "missing"
    })`,
  );
}

/** Runs the tunneler as nobody with its own writable DENO_DIR; resolves with code and lines. */
async function asNobody(args: string[], env: Record<string, string>, denoDir: string) {
  const p = startCommand("setpriv", [
    "--reuid=nobody",
    "--regid=nogroup",
    "--clear-groups",
    Deno.execPath(),
    "run",
    "-P=tunneler",
    "tunneler/main.ts",
    ...args,
  ], { env: { ...env, DENO_DIR: denoDir, HOME: denoDir } });
  try {
    return { code: await within(p.exited, 60_000, `tunneler ${args.join(" ")} as nobody`), lines: p.lines };
  } finally {
    await p.stop();
  }
}

Deno.test({
  name:
    "5.2 a tunneler running as nobody cannot read the CA file: run exits 2 naming it, doctor fails 5.2, readable passes",
  ignore: SKIP,
  fn: async () => {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const denoDir = `${dir.path}/deno`;
    await Deno.mkdir(denoDir);
    await Deno.chown(denoDir, 65534, 65534);
    const pki = await makeTestPki();
    const etc = `${dir.path}/etc-postern`;
    await Deno.mkdir(etc, { mode: 0o700 });
    await Deno.chmod(etc, 0o700);
    const ca = `${etc}/ca.crt`;
    await Deno.writeTextFile(ca, pki.caPem);
    await Deno.chmod(ca, 0o644);
    const env = {
      CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
      TUNNELER_ID: "t1",
      CONTROLLER_CA_PATH: ca,
      CONNECTOR_ADDR: `c1@127.0.0.1:${freePort()}`,
      TUNNELER_STATE_DIR: `${dir.path}/tunneler`,
      ENROLLMENT_TOKEN: "never-sent",
    };
    const run = await asNobody(["run"], env, denoDir);
    assert.deepEqual(run.code, 2, run.lines.join("\n"));
    const line = assertLine(run.lines, `[5.2] open ${ca}: permission denied`);
    assert.ok(line.includes("failed to read controller CA"), line);
    assert.ok(!run.lines.some((l) => l.includes("enrolling")), run.lines.join("\n"));

    const doctor = await asNobody(["doctor", "--json"], env, denoDir);
    assert.deepEqual(doctor.code, 1, doctor.lines.join("\n"));
    const findings = JSON.parse(doctor.lines.find((l) => l.startsWith("["))!) as DoctorFinding[];
    const f = findings.find((x) => x.id === "5.2" && !x.ok);
    assert.ok(f, JSON.stringify(findings));
    assert.ok(f.what.includes(ca) && /permission denied/i.test(f.what), f.what);
    assert.ok(f.remedy.includes("LoadCredential="), f.remedy);
    assert.ok(!findings.some((x) => x.id === "1.3" && !x.ok), JSON.stringify(findings));

    // The fix the units use: the file readable by the service's user.
    await Deno.chmod(etc, 0o755);
    const fixed = await asNobody(["doctor", "--json"], env, denoDir);
    const after = JSON.parse(fixed.lines.find((l) => l.startsWith("["))!) as DoctorFinding[];
    assert.ok(after.some((x) => x.id === "1.3" && x.ok), JSON.stringify(after));
    assert.ok(!after.some((x) => x.id === "5.2" && !x.ok && x.what.includes(ca)), JSON.stringify(after));

    assertFatalWith(run.lines, "tunneler", "5.2", ca);
  },
});
