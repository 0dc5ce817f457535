/**
 * Failure mode 5.1: the unit's EnvironmentFile= is missing. systemd does not run as PID 1 here,
 * so this test does NOT show systemd's own refusal to start; it shows what can be shown for real:
 * every unit names its file without the "-" that would make it optional (so systemd refuses with
 * `Failed to load environment files: No such file or directory` instead of starting a program
 * with no configuration), `systemd-analyze verify` accepts the units, `doctor --env-file PATH`
 * reports the missing file in systemd's words (exit 1) and passes once the file exists, and a
 * program started without its variables exits 2 naming the first one it lacks.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { REPO_ROOT, startProgram } from "../support/process.ts";
import { within } from "../support/within.ts";
import { doctorJson, failed, passed, runToExit } from "./_symptom.ts";

const SYSTEMD_TEXT = "Failed to load environment files: No such file or directory";
const hasSystemdAnalyze = await new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

Deno.test("5.1 every unit's EnvironmentFile= is mandatory and systemd-analyze verify accepts it", async (t) => {
  for (const program of ["controller", "connector", "tunneler", "ui"]) {
    const text = await Deno.readTextFile(`${REPO_ROOT}systemd/postern-${program}.service`);
    const line = text.split("\n").find((l) => l.startsWith("EnvironmentFile="));
    assert.deepEqual(line, `EnvironmentFile=/etc/postern/${program}.conf`);
    await t.step({
      name: `systemd-analyze verify postern-${program}.service`,
      ignore: !hasSystemdAnalyze,
      fn: async () => {
        await using dir = await tempDir();
        const path = `${dir.path}/postern-${program}.service`;
        await Deno.writeTextFile(path, text.replace(/\/usr\/local\/bin\/postern-[a-z]+/, "/bin/true"));
        const o = await new Deno.Command("systemd-analyze", {
          args: ["verify", "--man=no", path],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const out = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
        assert.deepEqual(o.code, 0, out);
      },
    });
  }
});

Deno.test(`5.1 doctor --env-file with a missing file fails 5.1 with "${SYSTEMD_TEXT}" on every program, and passes once the file exists`, async () => {
  await using dir = await tempDir();
  const pki = await makeTestPki();
  await Deno.writeTextFile(`${dir.path}/ca.crt`, pki.caPem);
  const missing = `${dir.path}/connector.conf`;
  for (const program of ["controller", "connector", "tunneler", "ui"]) {
    const { code, findings } = await doctorJson(program, {}, ["--env-file", missing]);
    assert.deepEqual(code, 1, program);
    const f = failed(findings, "5.1");
    assert.deepEqual(f.what, `${missing}: ${SYSTEMD_TEXT}`);
    assert.ok(f.remedy.includes(missing), f.remedy);
  }
  // The text form: id and remedy on the line.
  const text = await runToExit("connector", ["doctor", "--env-file", missing], {});
  assert.deepEqual(text.code, 1);
  assert.ok(
    text.lines.some((l) =>
      l.startsWith(`[FAIL] 5.1 ${missing}: ${SYSTEMD_TEXT} — remedy: create ${missing}`)
    ),
    text.lines.join("\n"),
  );

  await Deno.writeTextFile(
    missing,
    [
      `CONTROLLER_ADDR=127.0.0.1:${freePort()}`,
      "CONNECTOR_ID=c1",
      `CONTROLLER_CA_PATH=${dir.path}/ca.crt`,
      "CONNECTOR_PRIVATE_IP=127.0.0.1",
      `CONNECTOR_STATE_DIR=${dir.path}/connector`,
      "ENROLLMENT_TOKEN=from-the-file",
      "",
    ].join("\n"),
  );
  const ok51 = await doctorJson("connector", {}, ["--env-file", missing]);
  passed(ok51.findings, "5.1");
  passed(ok51.findings, "1.1");
  passed(ok51.findings, "1.3");
});

Deno.test("5.1 a program started without the variables its file would give exits 2 naming the first one missing", async () => {
  const p = startProgram("connector", { args: ["run"], env: {} });
  try {
    assert.deepEqual(await within(p.exited, 20_000, "connector run"), 2, p.lines.join("\n"));
  } finally {
    await p.stop();
  }
  assert.ok(p.lines.some((l) => l.startsWith("postern-connector: CONNECTOR_ID")), p.lines.join("\n"));
});
