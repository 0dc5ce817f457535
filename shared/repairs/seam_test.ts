/**
 * The runtime workarounds have one seam: program code creates TLS servers and connections through
 * shared/repairs (which always applies the flow repair), installs the HTTP/2 repair through
 * installHttp2Repairs(), and reaches into runtime or grpc-js internals nowhere else. A bare
 * `tls.createServer(` in a new data-path file would silently lose backpressure; this finds it.
 * (doctor probes only complete a handshake and carry no data: they may use node:tls directly.)
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../../tests/support/process.ts";

const PROGRAM_DIRS = ["connector", "tunneler", "controller", "shared", "ui"];
const SKIP = [
  /_test\.ts$/,
  /\/testing[^/]*\.ts$/,
  /^shared\/repairs\//,
  /^shared\/proto\/gen\//,
  /\/doctor[^/]*\.ts$/,
];
const BYPASS =
  /\btls\.(createServer|connect)\(|\brepairTlsFlow\(|\brepairHttp2SessionDestroy\(|\b_handle\b|\bcreateHttp2Server\b|\.nextCall\b/;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(join(REPO_ROOT, dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* sources(path);
    else if (e.isFile && /\.tsx?$/.test(e.name) && !SKIP.some((re) => re.test(path))) yield path;
  }
}

Deno.test("program code applies the runtime repairs only through shared/repairs", async () => {
  const bypasses: string[] = [];
  for (const dir of PROGRAM_DIRS) {
    for await (const path of sources(dir)) {
      const lines = (await Deno.readTextFile(join(REPO_ROOT, path))).split("\n");
      lines.forEach((line, i) => {
        if (BYPASS.test(line)) bypasses.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assertEquals(bypasses, []);
});
