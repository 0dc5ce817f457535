/**
 * What code that has taken over a program can do is what its permission set allows. Run under
 * each program's set (`deno run -P=<program>`, as `deno task <program>` runs it), a probe reads
 * and writes its own `.postern/` state, but cannot read or write a key outside its roots, list
 * another program's state directory, read the repository's files, plant a symlink, run a program,
 * load a library, read PATH or the OS release. (On a set of `read: true, write: true`, as main
 * had, the key outside the roots is read and overwritten.)
 */
import assert from "node:assert/strict";
import type { ProgramName } from "../../shared/config/variables.ts";
import { tempDir } from "../support/paths.ts";
import { REPO_ROOT, startDeno } from "../support/process.ts";
import { within } from "../support/within.ts";
import { outsideDir } from "./_outside_roots.ts";

const OTHER: Record<ProgramName, ProgramName> = {
  controller: "connector",
  connector: "controller",
  tunneler: "connector",
  ui: "controller",
};

for (const program of ["controller", "connector", "tunneler", "ui"] as const) {
  Deno.test(`code running as postern-${program} reaches only its roots`, async () => {
    await using own = await tempDir();
    await using outside = await outsideDir();
    const key = `${outside.path}/ca.key`;
    await Deno.writeTextFile(key, "a key this program does not own\n");
    await Deno.writeTextFile(`${own.path}/state.json`, "{}\n");
    const probes = {
      readOwnState: { op: "read", path: `${own.path}/state.json` },
      writeOwnState: { op: "write", path: `${own.path}/state.json` },
      readKeyOutside: { op: "read", path: key },
      writeKeyOutside: { op: "write", path: key },
      listOtherProgramsState: { op: "readDir", path: `/var/lib/postern-${OTHER[program]}` },
      readRepositoryFile: { op: "read", path: `${REPO_ROOT}deno.json` },
      plantSymlink: { op: "symlink", path: `${own.path}/escape`, target: outside.path },
      run: { op: "run" },
      dlopen: { op: "dlopen" },
      osRelease: { op: "osRelease" },
      readPath: { op: "env", name: "PATH" },
    };
    const p = startDeno([
      "run",
      "-q",
      `-P=${program}`,
      "tests/security/_probe_permissions.ts",
      JSON.stringify(probes),
    ]);
    const code = await within(p.exited, 20_000, `the probe under -P=${program}`);
    assert.equal(code, 0, p.lines.join("\n"));
    const results = JSON.parse(p.lines.at(-1) ?? "{}");
    assert.deepEqual(results, {
      readOwnState: "allowed",
      writeOwnState: program === "ui" ? "denied" : "allowed",
      readKeyOutside: "denied",
      writeKeyOutside: "denied",
      listOtherProgramsState: "denied",
      readRepositoryFile: "denied",
      plantSymlink: "denied",
      run: "denied",
      dlopen: "denied",
      osRelease: "denied",
      readPath: "denied",
    });
    assert.equal(await Deno.readTextFile(key), "a key this program does not own\n");
  });
}
