import assert from "node:assert/strict";
import { LIBRARY_VARIABLES, PROGRAM_VARIABLES } from "./variables.ts";

const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))) as {
  permissions: Record<string, { env?: string[] }>;
};

for (const [program, names] of Object.entries(PROGRAM_VARIABLES)) {
  Deno.test(`deno.json lets ${program} read exactly its variables and its libraries'`, () => {
    assert.deepEqual(
      [...(config.permissions[program]?.env ?? [])].sort(),
      [...names, ...LIBRARY_VARIABLES].sort(),
    );
  });
}
