/**
 * Stands in for code that has taken over a program: run under that program's permission set
 * (`deno run -P=<program>`), it tries each operation named in its JSON argument and prints one
 * JSON line, `{name: "allowed" | "denied" | <other error name>}`. Only NotCapable counts as denied.
 */
type Probe =
  | { op: "read" | "write" | "readDir" | "symlink"; path: string; target?: string }
  | { op: "run" | "dlopen" | "osRelease" }
  | { op: "env"; name: string };

const probes = JSON.parse(Deno.args[0] ?? "{}") as Record<string, Probe>;

function attempt(p: Probe): void {
  switch (p.op) {
    case "read":
      Deno.readFileSync(p.path);
      return;
    case "write":
      Deno.writeTextFileSync(p.path, "written by a compromised program\n");
      return;
    case "readDir":
      for (const _ of Deno.readDirSync(p.path)) break;
      return;
    case "symlink":
      Deno.symlinkSync(p.target ?? "/", p.path);
      return;
    case "run":
      new Deno.Command("true").outputSync();
      return;
    case "dlopen":
      Deno.dlopen("libc.so.6", {});
      return;
    case "osRelease":
      Deno.osRelease();
      return;
    case "env":
      Deno.env.get(p.name);
      return;
  }
}

const results: Record<string, string> = {};
for (const [name, probe] of Object.entries(probes)) {
  try {
    attempt(probe);
    results[name] = "allowed";
  } catch (e) {
    results[name] = e instanceof Deno.errors.NotCapable ? "denied" : (e as Error).name;
  }
}
console.log(JSON.stringify(results));
