/**
 * Failure mode 6.2: ADMIN_API_URL or ADMIN_AUTH_TOKEN missing. The UI exits 2 before it listens
 * (no page can show data without them) with `ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured`
 * naming the missing variable; `postern-ui doctor` fails 6.2 the same way, also from an
 * EnvironmentFile that lacks the token.
 */
import assert from "node:assert/strict";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { assertFatal, assertLine, doctorJson, failed, runToExit } from "./_symptom.ts";

const SYMPTOM = "ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured";

Deno.test(`6.2 postern-ui without ADMIN_AUTH_TOKEN or ADMIN_API_URL exits 2 with "[6.2] ${SYMPTOM}" and doctor fails 6.2`, async () => {
  await using dir = await tempDir();
  const port = freePort();
  const fatal: string[][] = [];
  for (
    const [missing, env] of [
      ["ADMIN_AUTH_TOKEN", { ADMIN_API_URL: "http://127.0.0.1:9" }],
      ["ADMIN_API_URL", { ADMIN_AUTH_TOKEN: "secret" }],
    ] as const
  ) {
    const run = await runToExit("ui", [], { ...env, UI_ADMIN_PASSWORD: "pw", UI_ADDR: `127.0.0.1:${port}` });
    assert.deepEqual(run.code, 2, run.lines.join("\n"));
    assert.ok(assertLine(run.lines, SYMPTOM).includes(`set ${missing}`), run.lines.join("\n"));
    assert.ok(!run.lines.some((l) => l.includes("listening on")), run.lines.join("\n"));
    fatal.push(run.lines);

    const doctor = await doctorJson("ui", env);
    assert.deepEqual(doctor.code, 1);
    assert.deepEqual(failed(doctor.findings, "6.2").what, `${SYMPTOM}: ${missing} not set`);
  }
  const conf = `${dir.path}/ui.conf`;
  await Deno.writeTextFile(conf, "ADMIN_API_URL=http://127.0.0.1:9\n# ADMIN_AUTH_TOKEN forgotten\n");
  const fromFile = await doctorJson("ui", {}, ["--env-file", conf]);
  assert.deepEqual(fromFile.code, 1);
  failed(fromFile.findings, "6.2");
  for (const lines of fatal) assertFatal(lines, "ui", "6.2", SYMPTOM);
});
