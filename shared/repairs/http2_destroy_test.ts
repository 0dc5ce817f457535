import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const DENO = Deno.execPath();
const STORM = fileURLToPath(new URL("./testing_goaway_storm.ts", import.meta.url));
const ROUNDS = 10;

/**
 * Runs the storm with glibc's MALLOC_PERTURB_, which fills freed memory with a pattern: the
 * runtime's use-after-free then crashes on every run instead of one in dozens.
 */
async function storm(direction: "client-close" | "server-shutdown", ...flags: string[]) {
  const out = await new Deno.Command(DENO, {
    args: ["run", "-A", STORM, String(ROUNDS), direction, ...flags],
    env: { MALLOC_PERTURB_: "165", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, signal: out.signal, stdout: text(out.stdout), stderr: text(out.stderr) };
}

for (const direction of ["client-close", "server-shutdown"] as const) {
  const scene = direction === "client-close"
    ? "500 clients each closing its channel after one call (GOAWAY to the server)"
    : "10 servers shutting down under 50 connected clients each (GOAWAY to the clients)";

  Deno.test(`with the repair, ${scene} leave the process running`, async () => {
    const out = await storm(direction, "--repair");
    assert.equal(out.signal, null, `storm died by ${out.signal}: ${out.stderr}`);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`answered ${ROUNDS * 50}\\b`));
  });

  // Documents the runtime fault the repair exists for. When this fails, the runtime no longer
  // crashes without the repair: check denoland/deno#36788 and consider dropping the repair.
  Deno.test(`without the repair, ${scene} kill the process (Deno 2.9 node:http2 use-after-free)`, async () => {
    const out = await storm(direction);
    assert.ok(
      out.signal === "SIGSEGV" || out.signal === "SIGABRT",
      `expected the runtime fault to kill the storm, got code ${out.code} signal ${out.signal}`,
    );
  });
}
