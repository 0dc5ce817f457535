/** The dashboard's JavaScript budget: the islands bundle (all the JS any page loads) is at most 60 KB. */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../support/process.ts";

Deno.test("the islands bundle built by `deno task bundle` is at most 60 KB before compression", async () => {
  const dir = `${REPO_ROOT}ui/static/build/`;
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}manifest.json`)) as { client: string };
  assert.ok(
    /^islands-[0-9a-f]{16}\.js$/.test(manifest.client),
    `content-hashed name, got ${manifest.client}`,
  );
  const { size } = await Deno.stat(`${dir}${manifest.client}`);
  console.log(`islands bundle: ${size} bytes`);
  assert.ok(size > 1000 && size <= 60 * 1024, `bundle is ${size} bytes`);
});
