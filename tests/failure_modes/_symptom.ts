/**
 * The failure-mode tests' one way to check a symptom: a line that carries the bracketed id and
 * then the contract's text (`[1.3] failed to read controller CA: ...`), and, for a program's fatal
 * error, that the line is `postern-<program>: [<id>] <symptom>...` on stderr.
 */
import assert from "node:assert/strict";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { within } from "../support/within.ts";
import { serveExpectingExit } from "../support/controller.ts";

/** The first line that contains `[<id>] <symptom>`; fails showing the output when none does. */
export function assertSymptom(lines: readonly string[], id: string, symptom: string): string {
  const want = `[${id}] ${symptom}`;
  const line = lines.find((l) => l.includes(want));
  assert.ok(line !== undefined, `no line contains ${JSON.stringify(want)}; output:\n${lines.join("\n")}`);
  return line;
}

/** Asserts the program's fatal line: `postern-<program>: [<id>] <symptom>` at its start. */
export function assertFatal(lines: readonly string[], program: string, id: string, symptom: string): string {
  const want = `postern-${program}: [${id}] ${symptom}`;
  const line = lines.find((l) => l.startsWith(want));
  assert.ok(line !== undefined, `no line starts with ${JSON.stringify(want)}; output:\n${lines.join("\n")}`);
  return line;
}

/**
 * Asserts the program's fatal line starts `postern-<program>: [<id>] ` and contains `text` (for
 * symptoms the contract states as "contains", e.g. 1.4's `invalid domain` and the value).
 */
export function assertFatalWith(lines: readonly string[], program: string, id: string, text: string): string {
  const start = `postern-${program}: [${id}] `;
  const line = lines.find((l) => l.startsWith(start) && l.includes(text));
  assert.ok(
    line !== undefined,
    `no line starts with ${JSON.stringify(start)} and contains ${JSON.stringify(text)}; output:\n${
      lines.join("\n")
    }`,
  );
  return line;
}

/** Asserts that some line contains `text` (the part of a symptom that holds without the id). */
export function assertLine(lines: readonly string[], text: string): string {
  const line = lines.find((l) => l.includes(text));
  assert.ok(line !== undefined, `no line contains ${JSON.stringify(text)}; output:\n${lines.join("\n")}`);
  return line;
}

/** Runs a program to its exit (bounded); resolves with the exit code and its output lines. */
export async function runToExit(
  program: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number; lines: string[]; process: RunningProgram }> {
  const p = startProgram(program, { args, env });
  try {
    const code = await within(p.exited, timeoutMs, `postern-${program} ${args.join(" ")}`);
    return { code, lines: p.lines, process: p };
  } finally {
    await p.stop();
  }
}

/** One finding of `doctor --json`. */
export interface DoctorFinding {
  ok: boolean;
  id: string;
  what: string;
  remedy: string;
}

/** Runs `<program> doctor --json [...args]`; resolves with the exit code and the findings. */
export async function doctorJson(
  program: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; findings: DoctorFinding[]; lines: string[] }> {
  const { code, lines } = await runToExit(program, ["doctor", "--json", ...args], env);
  const json = lines.find((l) => l.startsWith("["));
  assert.ok(json !== undefined, `doctor printed no JSON array; output:\n${lines.join("\n")}`);
  return { code, findings: JSON.parse(json) as DoctorFinding[], lines };
}

/** The failed finding with `id`; fails showing all findings when there is none. */
export function failed(findings: readonly DoctorFinding[], id: string): DoctorFinding {
  const f = findings.find((x) => !x.ok && x.id === id);
  assert.ok(f !== undefined, `doctor did not fail ${id}: ${JSON.stringify(findings, null, 1)}`);
  return f;
}

/** The passed finding with `id`. */
export function passed(findings: readonly DoctorFinding[], id: string): DoctorFinding {
  const f = findings.find((x) => x.ok && x.id === id);
  assert.ok(f !== undefined, `doctor did not pass ${id}: ${JSON.stringify(findings, null, 1)}`);
  return f;
}

/**
 * The controller refuses to start under `env`: `serve` exits `code` with a line containing `text`,
 * and `doctor` exits 1 with a failed finding `id`. Resolves with serve's output lines and doctor's
 * findings, for the checks of each failure mode.
 */
export async function controllerRefusesToStart(
  env: Record<string, string>,
  want: { code: number; text: string; id: string },
): Promise<{ lines: string[]; findings: DoctorFinding[]; finding: DoctorFinding }> {
  const { code, out } = await serveExpectingExit(env);
  const lines = out.split("\n");
  assert.ok(code === want.code, `serve exited ${code}, expected ${want.code}; output:\n${out}`);
  assertLine(lines, want.text);
  const doctor = await doctorJson("controller", env);
  assert.ok(
    doctor.code === 1,
    `doctor exited ${doctor.code}, expected 1; output:\n${doctor.lines.join("\n")}`,
  );
  return { lines, findings: doctor.findings, finding: failed(doctor.findings, want.id) };
}
