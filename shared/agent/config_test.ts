import assert from "node:assert/strict";
import { ConfigError } from "../config/config_error.ts";
import { describeError } from "../failure_modes/format.ts";
import { parseControllerAddrs, readControllerCa } from "./config.ts";

async function refusal(path: string | undefined): Promise<ConfigError> {
  try {
    await readControllerCa(path);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail("readControllerCa() accepted it");
}

Deno.test("readControllerCa() refuses an unset, missing or unparsable CA as 1.3, an unreadable one as 5.2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.match(
      describeError(await refusal(undefined)),
      /^\[1\.3\] failed to read controller CA: CONTROLLER_CA_PATH is not set; /,
    );
    assert.match(
      describeError(await refusal(`${dir}/missing.crt`)),
      /^\[1\.3\] failed to read controller CA: .*missing\.crt: /,
    );
    await Deno.writeTextFile(`${dir}/garbage.crt`, "not a certificate");
    assert.match(
      describeError(await refusal(`${dir}/garbage.crt`)),
      /^\[1\.3\] failed to read controller CA: /,
    );
    await Deno.writeTextFile(`${dir}/locked.crt`, "x");
    await Deno.chmod(`${dir}/locked.crt`, 0o000);
    if (Deno.uid() !== 0) { // root reads it anyway
      assert.equal(
        describeError(await refusal(`${dir}/locked.crt`)).split(":").slice(0, 2).join(":"),
        `[5.2] open ${dir}/locked.crt: permission denied`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseControllerAddrs() takes one controller or a comma list, and refuses a bad, repeated or missing entry by name", () => {
  assert.deepEqual(parseControllerAddrs("c1.internal:8443"), ["c1.internal:8443"]);
  assert.deepEqual(parseControllerAddrs(" 127.0.0.1:1 , [::1]:2,"), ["127.0.0.1:1", "[::1]:2"]);
  const refusal = (text: string) => {
    try {
      parseControllerAddrs(text);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    assert.fail(`accepted ${text}`);
  };
  assert.equal(refusal("c1.internal"), 'CONTROLLER_ADDR: invalid address "c1.internal": use host:port');
  assert.equal(refusal(":8443"), 'CONTROLLER_ADDR: invalid address ":8443": use host:port');
  assert.equal(
    refusal("c1:8443,c2"),
    'CONTROLLER_ADDR: invalid address "c2": use host:port, or a comma list of them such as c1.internal:8443,c2.internal:8443',
  );
  assert.equal(
    refusal("c1:8443, c1:8443"),
    'CONTROLLER_ADDR: "c1:8443" is listed twice: name each controller once',
  );
  assert.equal(
    refusal(" , "),
    "CONTROLLER_ADDR: no controller given: use host:port, e.g. controller.internal:8443",
  );
});
