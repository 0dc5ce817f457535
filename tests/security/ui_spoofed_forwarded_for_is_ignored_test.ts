/**
 * X-Forwarded-For is believed only from a UI_TRUSTED_PROXIES peer. A client that connects directly
 * cannot escape the login limit by inventing addresses; behind the trusted proxy (127.0.0.2 here)
 * each client is counted by the address the proxy saw, so a guesser behind the same proxy cannot
 * slow the operator down (before: everyone behind a proxy shared its address and one lockout).
 */
import assert from "node:assert/strict";
import { startUi } from "./_ui.ts";

const PROXY = "127.0.0.2";
const OPERATOR = "198.51.100.7";

Deno.test("a spoofed X-Forwarded-For from an untrusted peer is ignored; a trusted proxy's is believed", async () => {
  const ui = await startUi({ UI_TRUSTED_PROXIES: `${PROXY},10.0.0.0/8` });
  try {
    // Direct attacker at 127.0.0.1 claims the operator's address, to get the operator slowed down...
    for (let i = 0; i < 5; i++) {
      const res = await ui.login({ password: `guess-${i}` }, { headers: { "x-forwarded-for": OPERATOR } });
      await res.body?.cancel();
      assert.deepEqual(res.status, 401);
    }
    // ...then a fresh invented address, to escape its own delay.
    const spoofed = await ui.login({ password: "guess-5" }, {
      headers: { "x-forwarded-for": "203.0.113.99" },
    });
    await spoofed.body?.cancel();
    assert.deepEqual(spoofed.status, 429, "the spoofing client is still 127.0.0.1");

    // Through the proxy: a guesser the proxy saw as 203.0.113.50, who also prepends the operator's address.
    for (let i = 0; i < 6; i++) {
      const res = await ui.login({ password: `guess-${i}` }, {
        from: PROXY,
        headers: { "x-forwarded-for": `${OPERATOR}, 203.0.113.50` },
      });
      await res.body?.cancel();
    }
    const operator = await ui.login({ password: ui.password }, {
      from: PROXY,
      headers: { "x-forwarded-for": `${OPERATOR}, 10.1.2.3` },
    });
    await operator.body?.cancel();
    assert.deepEqual(operator.status, 303, "the operator behind the proxy is not slowed by the guesser");
    await ui.ui.waitForLine(new RegExp(`operator logged in .*client=${OPERATOR.replaceAll(".", "\\.")}\\b`));
  } finally {
    await ui.stop();
  }
});
