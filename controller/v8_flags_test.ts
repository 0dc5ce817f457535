import assert from "node:assert/strict";
import { CONTROLLER_V8_FLAGS_ARG } from "./v8_flags.ts";

const root = new URL("..", import.meta.url);

Deno.test("CONTROLLER_V8_FLAGS are those of deno task controller and of the compiled controller", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks as Record<
    string,
    string
  >;
  assert.equal(tasks.controller, `deno run -q -P=controller ${CONTROLLER_V8_FLAGS_ARG} controller/main.ts`);
  const compile = await Deno.readTextFile(new URL("shared/build/compile.sh", root));
  assert.match(
    compile,
    new RegExp(
      `^  \\[ "\\$program" = controller \\] && extra=\\(${RegExp.escape(CONTROLLER_V8_FLAGS_ARG)}\\)$`,
      "m",
    ),
  );
});

Deno.test("CONTROLLER_V8_FLAGS are accepted by this Deno and bound the heap at --max-old-space-size", async () => {
  const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(CONTROLLER_V8_FLAGS_ARG)?.[1]);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      CONTROLLER_V8_FLAGS_ARG,
      'import v8 from "node:v8"; console.log(v8.getHeapStatistics().heap_size_limit)',
    ],
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0);
  const limitMiB = Number(new TextDecoder().decode(out.stdout)) / 2 ** 20;
  // The old generation's bound plus the young generation's (a few tens of MiB).
  assert.ok(limitMiB >= oldSpaceMiB && limitMiB < oldSpaceMiB + 128, `heap limit ${limitMiB} MiB`);
});
