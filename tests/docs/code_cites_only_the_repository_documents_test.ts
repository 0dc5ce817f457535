/**
 * Users clone the repository alone: its code documents its interface under docs/ and its comments
 * point there, never at the documents the project was specified with outside it (CONTRACT.md,
 * STYLE.md).
 */
import assert from "node:assert/strict";
import { sourceLinesMatching } from "../support/sources.ts";

Deno.test("program code cites no document outside the repository", async () => {
  assert.deepEqual(await sourceLinesMatching(/CONTRACT\.md|STYLE\.md/, []), []);
});
