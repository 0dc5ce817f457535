import assert from "node:assert/strict";
import { writeEnvFiles } from "./env_files.ts";

Deno.test("demo env files are 0600, leave out the spent enrollment token, and sh reads back every value", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = {
      ADMIN_AUTH_TOKEN: "abc-_123",
      PLAIN: "127.0.0.1:8080",
      ODD: `a b "c" $HOME \`x\` \\ end`,
      ENROLLMENT_TOKEN: "spent",
    };
    const { controller } = await writeEnvFiles(dir, { controller: env });
    assert.deepEqual(controller, `${dir}/controller.env`);
    assert.deepEqual((await Deno.stat(controller!)).mode! & 0o777, 0o600);
    const sh = await new Deno.Command("sh", {
      args: [
        "-c",
        `set -a; . "$1"; printf '%s\\n' "$ADMIN_AUTH_TOKEN" "$PLAIN" "$ODD" "\${ENROLLMENT_TOKEN-unset}"`,
        "sh",
        controller!,
      ],
      clearEnv: true,
    }).output();
    assert.deepEqual(new TextDecoder().decode(sh.stdout).split("\n").slice(0, 4), [
      "abc-_123",
      "127.0.0.1:8080",
      env.ODD,
      "unset",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
