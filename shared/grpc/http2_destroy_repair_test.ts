import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const DENO = Deno.execPath();
const STORM = fileURLToPath(new URL("./testing_goaway_storm.ts", import.meta.url));
const ROUNDS = 10;

/**
 * Runs the storm with glibc's MALLOC_PERTURB_, which fills freed memory with a pattern: the
 * runtime's use-after-free then crashes on every run instead of one in dozens.
 */
async function storm(...flags: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(DENO, {
    args: ["run", "-A", STORM, String(ROUNDS), ...flags],
    env: { MALLOC_PERTURB_: "165", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("with the repair, 500 one-shot calls whose clients close at once leave the server running", async () => {
  const out = await storm("--repair");
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.signal, null, `storm died by ${out.signal}: ${new TextDecoder().decode(out.stderr)}`);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(stdout, new RegExp(`answered ${ROUNDS * 50}`));
});

// Documents the runtime fault the repair exists for. When this fails, the runtime no longer
// crashes without the repair: check denoland/deno#36788 and consider dropping the repair.
Deno.test("without the repair, the same storm kills the process (Deno 2.9 node:http2 use-after-free)", async () => {
  const out = await storm();
  assert.ok(
    out.signal === "SIGSEGV" || out.signal === "SIGABRT",
    `expected the runtime fault to kill the storm, got code ${out.code} signal ${out.signal}`,
  );
});
