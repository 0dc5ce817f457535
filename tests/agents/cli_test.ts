import assert from "node:assert/strict";
import { startProgram } from "../support/process.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";

const base = (dir: string) => ({
  CONTROLLER_ADDR: `127.0.0.1:${freePort()}`,
  CONNECTOR_ID: "c1",
  TUNNELER_ID: "t1",
  CONNECTOR_PRIVATE_IP: "127.0.0.1",
  CONNECTOR_STATE_DIR: `${dir}/c`,
  TUNNELER_STATE_DIR: `${dir}/t`,
  CONNECTOR_ADDR: "c1@127.0.0.1:9443",
  CONTROLLER_CA_PATH: `${dir}/missing-ca.crt`,
});

for (const program of ["connector", "tunneler"]) {
  Deno.test(`${program} enroll without a token and no stored identity exits 2 with ENROLLMENT_TOKEN is required (1.1)`, async () => {
    await using dir = await tempDir();
    const p = startProgram(program, { args: ["enroll"], env: base(dir.path) });
    assert.deepEqual(await p.exited, 2);
    assert.ok(
      p.lines.some((l) => l.startsWith(`postern-${program}: [1.1] ENROLLMENT_TOKEN is required: `)),
      p.lines.join("\n"),
    );
  });

  Deno.test(`${program} run with an unreadable CONTROLLER_CA_PATH exits 2 with failed to read controller CA (1.3)`, async () => {
    await using dir = await tempDir();
    const p = startProgram(program, { args: ["run"], env: { ...base(dir.path), ENROLLMENT_TOKEN: "tok" } });
    assert.deepEqual(await p.exited, 2);
    assert.ok(
      p.lines.some((l) => l.startsWith(`postern-${program}: [1.3] failed to read controller CA: `)),
      p.lines.join("\n"),
    );
  });
}

Deno.test("tunneler refuses a bad TUNNELER_FORWARDS entry with exit 2 naming it", async () => {
  await using dir = await tempDir();
  const p = startProgram("tunneler", {
    args: ["run"],
    env: { ...base(dir.path), TUNNELER_FORWARDS: "127.0.0.1:15432=db:5432,nonsense" },
  });
  assert.deepEqual(await p.exited, 2);
  assert.ok(p.lines.some((l) => l.includes(`invalid entry "nonsense"`)), p.lines.join("\n"));
});

Deno.test("connector doctor reports 1.1 and 1.3 and exits 1; --version prints the version", async () => {
  await using dir = await tempDir();
  const p = startProgram("connector", { args: ["doctor"], env: base(dir.path) });
  assert.deepEqual(await p.exited, 1);
  assert.ok(p.lines.some((l) => l.startsWith("[FAIL] 1.1")), p.lines.join("\n"));
  assert.ok(p.lines.some((l) => l.startsWith("[FAIL] 1.3") && l.includes("remedy:")), p.lines.join("\n"));
  const v = startProgram("tunneler", { args: ["--version"] });
  assert.deepEqual(await v.exited, 0);
  assert.ok(v.lines.some((l) => /postern-tunneler \d/.test(l)));
});

Deno.test("TRUST_DOMAIN that is not a DNS name exits 2 with invalid domain (1.4)", async () => {
  await using dir = await tempDir();
  const p = startProgram("connector", {
    args: ["run"],
    env: { ...base(dir.path), TRUST_DOMAIN: "bad_domain!" },
  });
  assert.deepEqual(await p.exited, 2);
  assert.ok(
    p.lines.some((l) =>
      /^postern-connector: \[1\.4\] cannot parse URI .*invalid domain "bad_domain!"/.test(l)
    ),
    p.lines.join("\n"),
  );
});
