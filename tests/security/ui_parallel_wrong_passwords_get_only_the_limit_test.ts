/**
 * 60 parallel wrong passwords from one address: the limit is checked and counted before the
 * password is evaluated, so exactly 5 are evaluated (counted by the UI's "login failed" lines) and
 * the rest are answered 429 with Retry-After. The right password from another address still works
 * at once: an address is slowed down, the account is never locked.
 */
import assert from "node:assert/strict";
import { countLines, startUi } from "./_ui.ts";

Deno.test("60 parallel wrong passwords get exactly 5 evaluations and the operator at another address logs in", async () => {
  const ui = await startUi();
  try {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => ui.login({ password: `guess-${i}` }, { from: "127.0.0.5" })),
    );
    await Promise.all(answers.map((r) => r.body?.cancel()));
    const statuses = answers.map((r) => r.status);
    assert.deepEqual(statuses.filter((s) => s === 401).length, 5, `statuses: ${statuses}`);
    assert.deepEqual(statuses.filter((s) => s === 429).length, 55, `statuses: ${statuses}`);
    for (const r of answers.filter((r) => r.status === 429)) {
      assert.ok(Number(r.headers.get("retry-after")) >= 1, "429 carries Retry-After");
    }

    const operator = await ui.login({ password: ui.password }, { from: "127.0.0.6" });
    await operator.body?.cancel();
    assert.deepEqual(operator.status, 303);
    // The UI logs in order: once the operator's login is logged, every evaluation before it is too.
    await ui.ui.waitForLine("operator logged in");
    assert.deepEqual(countLines(ui.ui, "login failed"), 5);

    const attackerRight = await ui.login({ password: ui.password }, { from: "127.0.0.5" });
    await attackerRight.body?.cancel();
    assert.deepEqual(attackerRight.status, 429, "the guessing address waits, even with the right password");
  } finally {
    await ui.stop();
  }
});
