/**
 * The seam that keeps a malformed message from killing a process: program code decodes peer
 * bytes only through `decodeFrame()` / `readMessage()` (shared/dataplane/framing.ts), which turn any
 * decoder throw into a MalformedFrameError that ends one session. A direct `Message.decode(`
 * outside it is how the connector crash of the review happened; this test finds any new one.
 * (gRPC messages are decoded by grpc-js, which catches a decoder's throw per call.)
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../support/process.ts";

const PROGRAM_DIRS = ["connector", "tunneler", "controller", "shared", "ui"];
const SKIP = [/_test\.ts$/, /^shared\/proto\/gen\//, /^shared\/dataplane\/framing\.ts$/];

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(join(REPO_ROOT, dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* sources(path);
    else if (e.isFile && /\.tsx?$/.test(e.name) && !SKIP.some((re) => re.test(path))) yield path;
  }
}

Deno.test("program code decodes peer messages only through decodeFrame() or readMessage()", async () => {
  const direct: string[] = [];
  for (const dir of PROGRAM_DIRS) {
    for await (const path of sources(dir)) {
      const lines = (await Deno.readTextFile(join(REPO_ROOT, path))).split("\n");
      lines.forEach((line, i) => {
        if (/\b[A-Z][A-Za-z0-9]*\.decode\(/.test(line)) direct.push(`${path}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assertEquals(direct, []);
});
