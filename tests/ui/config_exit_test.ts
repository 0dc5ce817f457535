/** Failure mode 6.2 with the real program: postern-ui exits 2 naming the missing variables. */
import { assertEquals, assertStringIncludes } from "../../ui/_assert.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";

const CASES: [string, Record<string, string>][] = [
  ["neither", {}],
  ["no ADMIN_AUTH_TOKEN", { ADMIN_API_URL: "http://127.0.0.1:8080" }],
  ["no ADMIN_API_URL", { ADMIN_AUTH_TOKEN: "secret" }],
];

for (const [name, env] of CASES) {
  Deno.test(`postern-ui exits 2 with "ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured" (6.2) when ${name} is set`, async () => {
    const ui = startProgram("ui", {
      env: { ...env, UI_ADMIN_PASSWORD: "pw", UI_ADDR: `127.0.0.1:${freePort()}` },
    });
    assertEquals(await ui.exited, 2);
    const line = ui.lines.find((l) => l.startsWith("postern-ui:")) ?? ui.lines.join("\n");
    assertStringIncludes(line, "ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured");
  });
}

Deno.test("postern-ui exits 2 without an operator password", async () => {
  const ui = startProgram("ui", {
    env: {
      ADMIN_API_URL: "http://127.0.0.1:8080",
      ADMIN_AUTH_TOKEN: "secret",
      UI_ADDR: `127.0.0.1:${freePort()}`,
    },
  });
  assertEquals(await ui.exited, 2);
  assertStringIncludes(ui.lines.join("\n"), "UI_ADMIN_PASSWORD or UI_ADMIN_PASSWORD_HASH is required");
});
