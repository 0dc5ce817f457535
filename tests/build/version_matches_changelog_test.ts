/** The version lives in shared/version.ts alone: it is semver and CHANGELOG.md's newest release. */
import assert from "node:assert/strict";
import { VERSION } from "../../shared/version.ts";
import { REPO_ROOT } from "../support/process.ts";

Deno.test("VERSION is semver and the newest release of CHANGELOG.md", async () => {
  assert.match(VERSION, /^\d+\.\d+\.\d+$/);
  const changelog = await Deno.readTextFile(`${REPO_ROOT}CHANGELOG.md`);
  const releases = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\]/gm)].map((m) => m[1]);
  assert.equal(
    releases[0],
    VERSION,
    `CHANGELOG.md's newest release is ${releases[0]}, shared/version.ts says ${VERSION}`,
  );
});
