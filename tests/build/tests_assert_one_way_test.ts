/**
 * One assertion style: every file imports the default `assert` of `node:assert/strict` and calls
 * its methods (`assert.equal`, `assert.deepEqual`, `assert.match`, `assert.ok`, `assert.rejects`,
 * `assert.throws`); no named or aliased imports, no `node:assert` (loose), no helper module of
 * assertions of our own.
 */
import assert from "node:assert/strict";
import { PROGRAM_DIRS, sourceLinesMatching } from "../support/sources.ts";

const ONE_WAY = 'import assert from "node:assert/strict";';

Deno.test("every test asserts with the default import of node:assert/strict", async () => {
  const imports = await sourceLinesMatching(
    /from "node:assert(\/strict)?"|support\/assert\.ts/,
    [/^tests\/build\/tests_assert_one_way_test\.ts$/],
    [...PROGRAM_DIRS, "tests", "bench"],
  );
  assert.ok(imports.length > 100, `only ${imports.length} assertion imports found: is the scan broken?`);
  assert.deepEqual(imports.filter((l) => !l.endsWith(`: ${ONE_WAY}`)), []);
});
