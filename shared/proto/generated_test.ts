import assert from "node:assert/strict";
import { fromFileUrl } from "../../tests/support/paths.ts";

const HERE = fromFileUrl(new URL("./", import.meta.url));
const hasProtoc = await new Deno.Command("protoc", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success, () => false);
if (!hasProtoc) {
  console.warn("SKIP proto freshness test: protoc not installed (apt-get install protobuf-compiler)");
}

async function filesUnder(dir: string, prefix = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      for (const [k, v] of await filesUnder(`${dir}/${entry.name}`, `${rel}/`)) files.set(k, v);
    } else files.set(rel, await Deno.readTextFile(`${dir}/${entry.name}`));
  }
  return files;
}

Deno.test({
  name: "shared/proto/gen matches what `deno task proto` generates from the .proto files",
  ignore: !hasProtoc,
  fn: async () => {
    const out = await Deno.makeTempDir();
    try {
      const run = await new Deno.Command("bash", {
        args: [`${HERE}generate.sh`, out],
        env: { DENO: Deno.execPath() },
        stderr: "piped",
      }).output();
      assert.ok(run.success, new TextDecoder().decode(run.stderr));
      const fresh = await filesUnder(out);
      const committed = await filesUnder(`${HERE}gen`);
      assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort());
      for (const [name, text] of fresh) {
        assert.equal(committed.get(name), text, `${name} is stale: run deno task proto`);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
