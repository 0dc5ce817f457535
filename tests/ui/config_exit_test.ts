/** Failure mode 6.2 with the real program: postern-ui exits 2 naming the missing variables. */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { startDeno, startProgram } from "../support/process.ts";

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
    assert.deepEqual(await ui.exited, 2);
    const line = ui.lines.find((l) => l.startsWith("postern-ui:")) ?? ui.lines.join("\n");
    assert.match(line, /postern-ui: \[6\.2\] ADMIN_API_URL or ADMIN_AUTH_TOKEN not configured: /);
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
  assert.deepEqual(await ui.exited, 2);
  assert.match(ui.lines.join("\n"), /UI_ADMIN_PASSWORD or UI_ADMIN_PASSWORD_HASH is required/);
});

Deno.test("a hash from `deno run ui/hash_password.ts` logs the operator in (UI_ADMIN_PASSWORD_HASH)", async () => {
  const hasher = startDeno(["run", "ui/hash_password.ts", "open sesame"]);
  assert.deepEqual(await hasher.exited, 0);
  const hash = hasher.lines.find((l) => l.startsWith("pbkdf2-sha256$"))!;
  const port = freePort();
  const ui = startProgram("ui", {
    env: {
      ADMIN_API_URL: "http://127.0.0.1:9",
      ADMIN_AUTH_TOKEN: "secret",
      UI_ADDR: `127.0.0.1:${port}`,
      UI_ADMIN_PASSWORD_HASH: hash,
    },
  });
  try {
    await ui.waitForLine("listening on");
    const post = (password: string) =>
      fetch(`http://127.0.0.1:${port}/login`, {
        method: "POST",
        body: new URLSearchParams({ password }),
        redirect: "manual",
      });
    const wrong = await post("open sesame!");
    await wrong.body?.cancel();
    assert.deepEqual(wrong.status, 401);
    const right = await post("open sesame");
    await right.body?.cancel();
    assert.deepEqual(right.status, 303);
    assert.match(right.headers.get("set-cookie") ?? "", /HttpOnly; SameSite=Strict/);
  } finally {
    await ui.stop();
  }
});
