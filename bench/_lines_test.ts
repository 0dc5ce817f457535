import assert from "node:assert/strict";
import { LineSplit } from "./_lines.ts";

async function split(chunks: string[], maxPending?: number): Promise<string[]> {
  const out: string[] = [];
  const stream = ReadableStream.from(chunks).pipeThrough(new LineSplit(maxPending));
  for await (const line of stream) out.push(line);
  return out;
}

Deno.test("LineSplit joins a line cut between chunks and gives the last line without a newline at the end", async () => {
  assert.deepEqual(await split(["a\nb", "c\n\nd"]), ["a", "bc", "", "d"]);
});

Deno.test("LineSplit keeps only the last maxPending characters of a line unfinished at the end of a chunk", async () => {
  assert.deepEqual(await split(["xxxxxxab", "cd\ne"], 4), ["xxabcd", "e"]);
});
