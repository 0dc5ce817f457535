import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "./config_error.ts";
import { checkRoots, DEV_ROOT, programRoots, REPO_ROOT } from "./roots.ts";

async function sandbox() {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "postern-roots-" }));
  const root = join(base, "root");
  const elsewhere = join(base, "elsewhere");
  await Deno.mkdir(root);
  await Deno.mkdir(elsewhere);
  return {
    base,
    root,
    elsewhere,
    check: (path: string, cwd = base) =>
      checkRoots("connector", [{ name: "CONNECTOR_STATE_DIR", path }], {
        roots: () => [root],
        cwd,
      }),
    async [Symbol.asyncDispose]() {
      await Deno.remove(base, { recursive: true });
    },
  };
}

Deno.test("the roots of a program are the contract's four, .postern in the repository", () => {
  assert.deepEqual(programRoots("connector", "read", "/repo"), [
    "/etc/postern",
    "/var/lib/postern-connector",
    "/run/credentials/postern-connector.service",
    "/repo/.postern",
  ]);
  assert.equal(programRoots("ui")[3], join(REPO_ROOT, ".postern"));
  assert.ok(Deno.statSync(join(REPO_ROOT, "deno.json")).isFile, "REPO_ROOT is the folder of deno.json");
});

Deno.test("a path under a root, existing or not, is admitted and returned absolute", async () => {
  await using s = await sandbox();
  assert.deepEqual(s.check(join(s.root, "connector")), [join(s.root, "connector")]);
  assert.deepEqual(s.check(s.root), [s.root]);
  assert.deepEqual(s.check("root/a/b/../c"), [join(s.root, "a", "c")]);
});

Deno.test("a path outside the roots is refused naming the variable, the path and the roots", async () => {
  await using s = await sandbox();
  assert.throws(() => s.check(s.elsewhere), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(
      e.message,
      `CONNECTOR_STATE_DIR "${s.elsewhere}" is outside the roots of postern-connector (${s.root}): set CONNECTOR_STATE_DIR to a path under one of them`,
    );
    return true;
  });
});

Deno.test("`..` and a sibling sharing the root's name as prefix do not get out", async () => {
  await using s = await sandbox();
  assert.throws(() => s.check(join(s.root, "..", "elsewhere")), /is outside the roots/);
  assert.throws(() => s.check(`${s.root}-evil/x`), /is outside the roots/);
  assert.throws(() => s.check("elsewhere", s.root + "/.."), /is outside the roots/);
});

Deno.test("a symlink inside a root that leads outside is refused with where it leads", async () => {
  await using s = await sandbox();
  await Deno.symlink(s.elsewhere, join(s.root, "link"));
  for (const path of [join(s.root, "link"), join(s.root, "link", "not-yet")]) {
    assert.throws(() => s.check(path), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^CONNECTOR_STATE_DIR ".*" resolves to ".*elsewhere.*", outside the roots/);
      return true;
    });
  }
  // link/.. is physically the sandbox, not the root, though its text says otherwise
  assert.throws(() => s.check(`${s.root}/link/../root2`), /resolves to/);
});

Deno.test("a root that is itself a symlink admits paths through it and its target", async () => {
  await using s = await sandbox();
  const linkedRoot = join(s.base, "linked-root");
  await Deno.symlink(s.root, linkedRoot);
  const check = (path: string) =>
    checkRoots("controller", [{ name: "CONTROLLER_STATE_DIR", path }], { roots: () => [linkedRoot] });
  assert.deepEqual(check(join(linkedRoot, "kv")), [join(linkedRoot, "kv")]);
  assert.throws(() => check(join(s.root, "kv")), /is outside the roots of postern-controller/);
});

Deno.test("a program writes only under its writable roots; the UI nowhere", () => {
  assert.deepEqual(programRoots("controller", "write", "/repo"), [
    "/etc/postern",
    "/var/lib/postern-controller",
    "/repo/.postern",
  ]);
  assert.deepEqual(programRoots("tunneler", "write", "/repo"), [
    "/var/lib/postern-tunneler",
    "/repo/.postern",
  ]);
  assert.deepEqual(programRoots("ui", "write"), []);
  assert.throws(
    () =>
      checkRoots("tunneler", [{ name: "TUNNELER_STATE_DIR", path: "/etc/postern/state", access: "write" }]),
    /^ConfigError: TUNNELER_STATE_DIR "\/etc\/postern\/state" is outside the writable roots of postern-tunneler \(\/var\/lib\/postern-tunneler, .*\/\.postern\)/,
  );
  assert.deepEqual(
    checkRoots("tunneler", [{ name: "CONTROLLER_CA_PATH", path: "/etc/postern/ca.crt" }]),
    ["/etc/postern/ca.crt"],
  );
});

const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json"))) as {
  permissions: Record<
    string,
    { read?: unknown; write?: unknown; run?: unknown; ffi?: unknown; all?: unknown }
  >;
};

/**
 * What a program reads besides its roots: its own static files (the UI's stylesheet and bundle),
 * the etcd client's protobuf definitions (etcd3 loads them from its package at run time).
 */
const CODE_READS: Record<string, string[]> = { ui: ["ui/static"], controller: ["node_modules/etcd3/proto"] };

for (const program of ["controller", "connector", "tunneler", "ui"] as const) {
  Deno.test(`deno.json lets ${program} read and write exactly under its roots, and never run, ffi or all`, () => {
    const set = config.permissions[program]!;
    const relative = (roots: string[]) => roots.map((r) => r === join(REPO_ROOT, DEV_ROOT) ? DEV_ROOT : r);
    assert.deepEqual(set.read, [...relative(programRoots(program, "read")), ...(CODE_READS[program] ?? [])]);
    const write = relative(programRoots(program, "write"));
    assert.deepEqual(set.write ?? [], write);
    assert.equal(set.run, undefined);
    assert.equal(set.ffi, undefined);
    assert.equal(set.all, undefined);
  });
}

Deno.test("a root that does not exist yet admits paths below it without reading above it", async () => {
  await using s = await sandbox();
  const absent = join(s.base, "absent-root");
  const check = () =>
    checkRoots("connector", [{ name: "CONNECTOR_STATE_DIR", path: join(absent, "state"), access: "write" }], {
      roots: () => [absent],
    });
  // Under the program's own set it may read the root but not the folder above it.
  const script = join(s.base, "check.ts");
  await Deno.writeTextFile(
    script,
    `import { checkRoots } from ${JSON.stringify(new URL("./roots.ts", import.meta.url).href)};
console.log(JSON.stringify(checkRoots("connector", [{ name: "X", path: ${
      JSON.stringify(join(absent, "state"))
    } }], {
  roots: () => [${JSON.stringify(absent)}], cwd: "/",
})));`,
  );
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--no-config", `--allow-read=${absent}`, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.equal(status.code, 0, dec.decode(status.stderr));
  assert.equal(dec.decode(status.stdout).trim(), JSON.stringify([join(absent, "state")]));
  assert.deepEqual(check(), [join(absent, "state")]);
});
