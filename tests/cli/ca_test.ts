/**
 * `postern-controller ca ...` against a real controller: the whole rotation (prepare, activate,
 * retire) from files, as docs/ca-rotation.md runs it, and its refusals.
 */
import { makeTestDir } from "../support/paths.ts";
import assert from "node:assert/strict";
import { initCa } from "../../controller/init_ca.ts";
import { startCliFixture } from "./_cli.ts";

interface Ca {
  fingerprint: string;
  signing: boolean;
}

Deno.test("ca show, prepare --cert --key, activate, retire: each prints the bundle; refusals exit 1 or 2", async () => {
  await using f = await startCliFixture();
  const [old] = JSON.parse(await f.ok(["ca", "show", "--json"])).cas as Ca[];
  assert.equal(old!.signing, true);
  const table = (await f.ok(["ca", "show"])).trimEnd().split("\n");
  assert.match(table[0]!, /^FINGERPRINT\s+SIGNING\s+NOT AFTER\s+SUBJECT$/);
  assert.match(table[1]!, new RegExp(`^${old!.fingerprint}\\s+yes\\s+`));

  const dir = await makeTestDir({ prefix: "postern-cli-ca-" });
  try {
    const next = await initCa(`${dir}/next`);
    const prepared = await f.ok(["ca", "prepare", "--cert", next.certPath, "--key", next.keyPath]);
    const rows = prepared.trimEnd().split("\n").slice(1);
    assert.equal(rows.length, 2);
    const fresh = rows.find((r) => !r.startsWith(old!.fingerprint))!.split(/\s+/)[0]!;
    assert.match(fresh, /^[0-9a-f]{64}$/);
    assert.match(prepared, new RegExp(`^${fresh}\\s+no\\s+`, "m"));

    const activated = JSON.parse(await f.ok(["ca", "activate", fresh, "--json"])).cas as Ca[];
    assert.deepEqual(activated.filter((c) => c.signing).map((c) => c.fingerprint), [fresh]);
    const retired = await f.ok(["ca", "retire", old!.fingerprint]);
    assert.ok(!retired.includes(old!.fingerprint));
    assert.match(retired, new RegExp(`^${fresh}\\s+yes\\s+`, "m"));

    const cases: [string[], number, RegExp][] = [
      [
        ["ca", "prepare", "--cert", next.certPath],
        2,
        /^postern-controller: --key FILE is required\n\nUsage: postern-controller ca prepare/m,
      ],
      [
        ["ca", "prepare", "--cert", `${dir}/none.crt`, "--key", next.keyPath],
        2,
        /^postern-controller: cannot read --cert ".*none\.crt": /m,
      ],
      [
        ["ca", "activate", "ab".repeat(32)],
        1,
        /^postern-controller: unknown CA fingerprint "(ab){32}" \(HTTP 404 from POST \/api\/admin\/ca\/rotate\/activate\)$/m,
      ],
      [["ca", "activate"], 2, /^postern-controller: missing FINGERPRINT$/m],
      [["ca", "rotate"], 2, /^postern-controller: unknown command "ca rotate"/m],
    ];
    for (const [args, code, stderr] of cases) {
      const r = await f.cli(args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, stderr, args.join(" "));
    }
    const events = JSON.parse(await f.ok(["events", "--kind", "ca.", "--json"])).events;
    assert.deepEqual(events.map((e: { kind: string; actor: string }) => [e.kind, e.actor]), [
      ["ca.retired", "bootstrap"],
      ["ca.activated", "bootstrap"],
      ["ca.prepared", "bootstrap"],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
