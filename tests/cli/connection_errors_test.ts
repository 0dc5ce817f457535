/**
 * Where and as whom the admin commands call: an unreachable API or a wrong token exits 1 with the
 * reason, a missing token or an unusable ADMIN_API_URL / ADMIN_CA_PATH exits 2, an unknown group
 * command exits 2 with its usage; over HTTPS the commands trust exactly ADMIN_CA_PATH.
 */
import assert from "node:assert/strict";
import { makeTestPki } from "../../shared/pki/testing.ts";
import { prepareController } from "../support/controller.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { startProgram } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";
import { runCli } from "./_cli.ts";

Deno.test("unreachable API, missing token, bad ADMIN_API_URL or ADMIN_CA_PATH: exit 1 or 2 with the reason", async () => {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const cases: [Record<string, string>, string[], number, RegExp][] = [
    [
      { ADMIN_API_URL: url, ADMIN_AUTH_TOKEN: "t" },
      ["tokens", "list"],
      1,
      new RegExp(`^postern-controller: cannot reach the admin API at http://127\\.0\\.0\\.1:${port}: `, "m"),
    ],
    [
      { ADMIN_API_URL: url },
      ["connectors", "list"],
      2,
      /^postern-controller: ADMIN_AUTH_TOKEN is not set: export the controller's ADMIN_AUTH_TOKEN or an API key \(api-keys create\)$/m,
    ],
    [
      { ADMIN_API_URL: "127.0.0.1:8080", ADMIN_AUTH_TOKEN: "t" },
      ["ca", "show"],
      2,
      /^postern-controller: invalid ADMIN_API_URL "127\.0\.0\.1:8080": use http:\/\/host:port or https:\/\/host:port$/m,
    ],
    [
      { ADMIN_API_URL: "http://127.0.0.1:1/api", ADMIN_AUTH_TOKEN: "t" },
      ["ca", "show"],
      2,
      /^postern-controller: invalid ADMIN_API_URL "http:\/\/127\.0\.0\.1:1\/api"/m,
    ],
    [
      { ADMIN_API_URL: url, ADMIN_AUTH_TOKEN: "t", ADMIN_CA_PATH: "/nonexistent/ca.pem" },
      ["ca", "show"],
      2,
      /^postern-controller: ADMIN_CA_PATH "\/nonexistent\/ca\.pem" is outside the roots of postern-controller \(/m,
    ],
    [
      {},
      ["widgets", "list"],
      2,
      /^postern-controller: unknown command "widgets": use serve, init-ca, doctor, backup, restore, an admin command/m,
    ],
    [
      {},
      ["tunnelers", "frobnicate", "t1"],
      2,
      /^postern-controller: unknown command "tunnelers frobnicate"\n\npostern-controller tunnelers: .*\n\nUsage:\n/m,
    ],
  ];
  for (const [env, args, code, stderr] of cases) {
    const r = await runCli(args, env);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(" "));
    assert.equal(r.stdout, "");
  }
  // --help needs no configuration at all.
  for (const args of [["tokens", "--help"], ["events", "--help"], ["connectors", "allowlist", "--help"]]) {
    const r = await runCli(args, {});
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.stdout, /postern-controller (tokens|events|connectors)/);
  }
});

Deno.test("over HTTPS the commands trust ADMIN_CA_PATH, and without it refuse the controller's certificate", async () => {
  await using d = await tempDir();
  const controller = await prepareController(d.path);
  const pki = await makeTestPki();
  const server = await pki.issue("controller", "admin-api", { ipSans: ["127.0.0.1"] });
  await Deno.writeTextFile(`${d.path}/admin.crt`, server.certPem);
  await Deno.writeTextFile(`${d.path}/admin.key`, server.keyPem, { mode: 0o600 });
  await Deno.writeTextFile(`${d.path}/admin-ca.pem`, pki.caPem);
  const https = controller.adminUrl.replace("http:", "https:");
  const p = startProgram("controller", {
    args: ["serve"],
    env: {
      ...controller.env,
      ADMIN_TLS_CERT_FILE: `${d.path}/admin.crt`,
      ADMIN_TLS_KEY_FILE: `${d.path}/admin.key`,
    },
  });
  const client = Deno.createHttpClient({ caCerts: [pki.caPem] });
  const env = { ADMIN_API_URL: https, ADMIN_AUTH_TOKEN: controller.adminToken };
  try {
    await waitFor(
      "the controller over HTTPS",
      async () => {
        const r = await fetch(`${https}/readyz`, { client }).catch(() => undefined);
        await r?.body?.cancel();
        return r?.ok || undefined;
      },
      20_000,
      100,
      p,
    );
    const shown = await runCli(["ca", "show", "--json"], { ...env, ADMIN_CA_PATH: `${d.path}/admin-ca.pem` });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).cas.length, 1);
    const untrusted = await runCli(["ca", "show"], env);
    assert.equal(untrusted.code, 1);
    assert.match(
      untrusted.stderr,
      /^postern-controller: cannot reach the admin API at https:\/\/127\.0\.0\.1:\d+: .*certificate/im,
    );
  } finally {
    client.close();
    await p.stop();
  }
});
