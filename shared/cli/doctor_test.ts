import assert from "node:assert/strict";
import { ConfigError } from "../config/config_error.ts";
import { CaError } from "../pki/ca.ts";
import { PeerVerificationError } from "../pki/refusal.ts";
import { TrustDomainError } from "../pki/trust_domain.ts";
import {
  causedBy,
  doctorEnv,
  failureModeIn,
  parseDoctorFlags,
  parseEnvFile,
  printFindings,
} from "./doctor.ts";

Deno.test("parseEnvFile reads KEY=VALUE lines as systemd does: comments, quotes, export", () => {
  assert.deepEqual(
    parseEnvFile("# c\n; c\n\nA=1\nexport B = two\nC=\"three 3\"\nD='4'\nnot a line\n"),
    { A: "1", B: "two", C: "three 3", D: "4" },
  );
});

Deno.test("doctorEnv: a missing file is failure mode 5.1 in systemd's words; a present one wins for the program's names", async () => {
  const missing = await doctorEnv({ A: "x" }, "/nonexistent/postern.conf", ["A"]);
  assert.deepEqual(missing.env, { A: "x" });
  assert.deepEqual(missing.findings[0]!.id, "5.1");
  assert.deepEqual(
    missing.findings[0]!.what,
    "/nonexistent/postern.conf: Failed to load environment files: No such file or directory",
  );
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "A=file\nB=file\nOTHER=ignored\n");
    const loaded = await doctorEnv({ A: "env", C: "env" }, path, ["A", "B", "C"]);
    assert.deepEqual(loaded.env, { A: "file", B: "file", C: "env" });
    assert.deepEqual(loaded.findings[0]!.ok, true);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("failureModeIn reads the typed field of the error or its causes, never the text", () => {
  assert.deepEqual(failureModeIn(new CaError("x", undefined, "missing_key_usage")), "1.5");
  assert.deepEqual(failureModeIn(new ConfigError("missing key usage", { cause: new CaError("y") })), "1.3");
  assert.deepEqual(
    failureModeIn(new ConfigError("TRUST_DOMAIN", { cause: new TrustDomainError("z") })),
    "1.4",
  );
  assert.deepEqual(failureModeIn(new PeerVerificationError("ip_san_missing", "w")), "2.2");
  assert.deepEqual(failureModeIn(new Error("CA certificate missing key usage")), undefined);
  assert.ok(
    causedBy(
      new ConfigError("a", { cause: new Deno.errors.PermissionDenied("b") }),
      Deno.errors.PermissionDenied,
    ),
  );
  assert.ok(!causedBy(new ConfigError("permission denied"), Deno.errors.PermissionDenied));
});

Deno.test("printFindings: one line each with the remedy on failures, or one JSON array; exit 1 on a failure", () => {
  const lines: string[] = [];
  const findings = [
    { ok: true, id: "1.3", what: "CA readable", remedy: "" },
    { ok: false, id: "1.1", what: "no token", remedy: "set ENROLLMENT_TOKEN" },
  ];
  assert.deepEqual(printFindings(findings, false, (l) => lines.push(l)), 1);
  assert.deepEqual(lines, ["[ok] 1.3 CA readable", "[FAIL] 1.1 no token — remedy: set ENROLLMENT_TOKEN"]);
  const json: string[] = [];
  assert.deepEqual(printFindings(findings.slice(0, 1), true, (l) => json.push(l)), 0);
  assert.deepEqual(JSON.parse(json[0]!), findings.slice(0, 1));
});

Deno.test("parseDoctorFlags: --json, --env-file PATH; an unknown flag is a ConfigError", () => {
  assert.deepEqual(parseDoctorFlags(["--json", "--env-file", "/etc/postern/a.conf"]), {
    json: true,
    envFile: "/etc/postern/a.conf",
  });
  let error: unknown;
  try {
    parseDoctorFlags(["--nope"]);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError);
});
