/**
 * A full run on loopback, then a search of everything it left readable for every secret it used.
 *
 * The run: a controller (admin token), a connector and a tunneler enrolled with tokens and
 * tunnelling bytes, renewals (6 s certificates), a CA rotation (prepare with a new CA key,
 * activate, retire), refused enrollments (a used token, an unknown well-formed token), the UI
 * with a wrong password and then the right one, the agents' `status --json`, and a backup.
 *
 * The search: every output line of every process, every event, the /metrics page, the admin
 * API's lists, the UI's pages, every file of the agents' state directories (status.json; the
 * identity file may hold its own key and nothing else) and of the controller's state directory
 * (its Deno KV), and a `backup` of the running controller with its CA keys sealed by a passphrase
 * (the backup may hold them only sealed). None may contain an
 * enrollment token (whole, or its secret part), the admin token, the UI password, or any private
 * key: the agents' keys at each renewal and the CA keys (PEM body = base64 of the PKCS#8 DER,
 * each PEM line, base64url, hex, the private scalar). The controller's KV holds the CA keys by
 * design (it signs with them) and is searched for everything else.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { createCa } from "../../shared/pki/ca.ts";
import { startCluster } from "../agents/_cluster.ts";
import { echoServer, roundTrip } from "../agents/_fixture.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { type RunningProgram, startProgram } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";
import { sessionCookie } from "../support/ui_session.ts";
import { startUi } from "../ui/_stack.ts";

/** One secret under the forms in which it could leak. */
interface Secret {
  name: string;
  forms: string[];
}

const latin1 = new TextDecoder("latin1");
const enc = new TextEncoder();
const dec = new TextDecoder();

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** A PKCS#8 PEM private key as the text that would show if any of it were written out. */
async function keySecret(name: string, pem: string): Promise<Secret> {
  const body = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
  ]);
  const d = (await crypto.subtle.exportKey("jwk", key)).d!;
  const scalar = Uint8Array.from(atob(d.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const lines = pem.split("\n").map((l) => l.trim()).filter((l) => l.length >= 40 && !l.startsWith("-----"));
  return {
    name,
    forms: [
      body,
      body.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""),
      hex(der),
      ...lines,
      d,
      b64(scalar),
      hex(scalar),
    ],
  };
}

/** An enrollment token `pt_<id>_<secret>`: the id is public (events name it), the rest is not. */
function tokenSecret(name: string, token: string): Secret {
  const secret = /^pt_[0-9a-f]{16}_([A-Za-z0-9_-]{43})$/.exec(token)?.[1];
  assert.ok(secret, `${name} is not a Postern token: ${token}`);
  return { name, forms: [token, secret] };
}

/** Every file under `dir` (recursively) but those `skip` accepts, as text. */
async function filesUnder(dir: string, skip: (path: string) => boolean = () => false) {
  const out: { source: string; text: string }[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && !skip(p)) out.push({ source: p, text: latin1.decode(await Deno.readFile(p)) });
    }
  };
  await walk(dir);
  return out;
}

Deno.test("no token, password or private key of a full run shows in any log, event, metric, page or state file", async () => {
  await using dir = await tempDir();
  const echo = await echoServer();
  // Debug logs everywhere (the most a log says), the controller's as JSON (another escaping).
  const debug = { LOG_LEVEL: "debug" };
  const c = await startCluster(dir.path, {
    CONNECTOR_CERT_TTL: "6s",
    TUNNELER_CERT_TTL: "6s",
    LOG_FORMAT: "json",
    ...debug,
  });
  const others: RunningProgram[] = [];
  const agentKeys = new Map<string, string>();
  const sampleKeys = async () => {
    for (const who of ["connector-c1", "tunneler-t1"]) {
      const store = new IdentityStore(`${dir.path}/${who}`);
      if (await store.exists()) {
        const { svid } = await store.load();
        agentKeys.set(svid.keyPem, `${who} key (certificate serial ${svid.certificate.serialNumber})`);
      }
    }
  };
  try {
    // Enrollment: a connector and a tunneler with their tokens; one more token never used.
    const connectorToken = await c.token("connector");
    const tunnelerToken = await c.token("tunneler", "t1");
    const unusedToken = await c.token("tunneler");
    const listenPort = freePort();
    const connector = await c.runConnector("c1", listenPort, debug, connectorToken);
    for (
      const [path, body] of [
        ["/api/admin/connectors/c1/allowlist", { tunnelers: ["t1"] }],
        ["/api/admin/connectors/c1/resources", { resources: [`127.0.0.1:${echo.port}`] }],
      ] as const
    ) {
      const r = await c.admin("PUT", path, body);
      assert.ok(r.status === 200, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const fwdPort = freePort();
    const tunneler = c.start("tunneler", ["run"], {
      ...c.tunnelerEnv("t1", listenPort, `127.0.0.1:${fwdPort}=127.0.0.1:${echo.port}`, debug),
      ENROLLMENT_TOKEN: tunnelerToken,
    });
    await tunneler.waitForLine("control-plane stream connected", 20_000);
    await sampleKeys();
    await waitFor(
      "bytes through the tunnel",
      async () => {
        const got = await roundTrip(fwdPort, enc.encode("ping")).catch(() => undefined);
        return got && dec.decode(got) === "pingbye" ? true : undefined;
      },
      20_000,
      200,
      tunneler,
    );

    // Refused enrollments: the connector's token again, and a well-formed token nobody issued.
    const forged = `pt_${"0".repeat(16)}_${"A".repeat(20)}${
      crypto.randomUUID().replaceAll("-", "").slice(0, 23)
    }`;
    for (
      const [program, env] of [
        ["connector", { ...c.connectorEnv("c2", freePort(), debug), ENROLLMENT_TOKEN: connectorToken }],
        ["tunneler", {
          ...c.tunnelerEnv("t2", listenPort, `127.0.0.1:${freePort()}=127.0.0.1:1`, debug),
          ENROLLMENT_TOKEN: forged,
        }],
      ] as const
    ) {
      const refused = c.start(program, ["enroll"], env);
      assert.ok(
        (await refused.exited) === 3,
        `${program} enroll with a bad token: ${refused.lines.join("\n")}`,
      );
    }

    // Renewal: each agent renews its 6 s certificate at least once (a new key each time).
    const renewedAfter = (p: RunningProgram, from: number, what: string) =>
      waitFor(
        what,
        () =>
          Promise.resolve(p.lines.slice(from).some((l) => l.includes("certificate renewed")) || undefined),
        20_000,
        100,
        p,
      );
    await renewedAfter(connector, 0, "the connector's first renewal");
    await renewedAfter(tunneler, 0, "the tunneler's first renewal");
    await sampleKeys();

    // CA rotation: prepare with a new CA key, activate when the agents trust it, retire the old.
    const next = await createCa({ commonName: "Postern Next CA" });
    const before = (await c.admin("GET", "/api/admin/ca")).body.cas as {
      fingerprint: string;
      signing: boolean;
    }[];
    const oldFp = before.find((ca) => ca.signing)!.fingerprint;
    const prep = await c.admin("POST", "/api/admin/ca/rotate/prepare", {
      cert_pem: next.certPem,
      key_pem: next.keyPem,
    });
    assert.ok(prep.status === 200, `prepare: ${prep.status} ${JSON.stringify(prep.body)}`);
    // As the runbook says: activate once every ONLINE agent trusts the new CA (409 until then).
    await waitFor(
      "every agent to trust the new CA (activate answers 200)",
      async () =>
        (await c.admin("POST", "/api/admin/ca/rotate/activate", { fingerprint: next.ca.fingerprint }))
            .status === 200 || undefined,
      20_000,
      250,
    );
    const [cFrom, tFrom] = [connector.lines.length, tunneler.lines.length];
    await renewedAfter(connector, cFrom, "the connector's renewal under the new CA");
    await renewedAfter(tunneler, tFrom, "the tunneler's renewal under the new CA");
    await sampleKeys();
    // Retire once no agent holds a certificate of the old CA any more (409 until then).
    await waitFor(
      "no agent to hold a certificate of the old CA (retire answers 200)",
      async () =>
        (await c.admin("POST", "/api/admin/ca/rotate/retire", { fingerprint: oldFp })).status === 200 ||
        undefined,
      20_000,
      250,
    );
    const cAfter = connector.lines.length;
    await renewedAfter(connector, cAfter, "the connector's renewal after the retirement");
    await sampleKeys();

    // The UI: a wrong password, then the right one; the pages an operator opens.
    const { ui, uiUrl, password } = startUi(c, debug);
    others.push(ui);
    await ui.waitForLine("listening on", 20_000);
    const login = (pw: string) =>
      fetch(`${uiUrl}/login`, {
        method: "POST",
        body: new URLSearchParams({ password: pw }),
        redirect: "manual",
      });
    const wrong = await login(`${password}-typo`);
    await wrong.body?.cancel();
    assert.ok(wrong.status === 401, `wrong password: ${wrong.status}`);
    const right = await login(password);
    await right.body?.cancel();
    assert.ok(right.status === 303, `login: ${right.status}`);
    const cookie = sessionCookie(right);
    assert.ok(cookie && cookie.length > 32, `session cookie: ${right.headers.getSetCookie()}`);
    const pages: { source: string; text: string }[] = [];
    for (
      const page of [
        "/",
        "/connectors",
        "/connectors/c1",
        "/tunnelers",
        "/tunnelers/t1",
        "/events",
        "/tokens",
      ]
    ) {
      const r = await fetch(uiUrl + page, { headers: { cookie } });
      pages.push({ source: `UI page ${page} (${r.status})`, text: await r.text() });
    }

    // The agents' status subcommand; doctor with a token set; an operator who pastes a token
    // where its id belongs.
    for (
      const [program, env] of [["connector", c.connectorEnv("c1", listenPort)], [
        "tunneler",
        c.tunnelerEnv("t1", listenPort, ""),
      ]] as const
    ) {
      const status = c.start(program, ["status", "--json"], env);
      assert.ok((await status.exited) === 0, status.lines.join("\n"));
    }
    const doctor = c.start("tunneler", ["doctor"], {
      ...c.tunnelerEnv("t3", listenPort, `127.0.0.1:${freePort()}=127.0.0.1:1`, debug),
      ENROLLMENT_TOKEN: unusedToken,
    });
    await doctor.exited;
    const pasted = await c.admin("DELETE", `/api/admin/tokens/${unusedToken}`);
    assert.ok(pasted.status === 400, `DELETE /api/admin/tokens/<token>: ${pasted.status}`);

    // A backup of the running controller, the CA keys sealed with a passphrase (kept beside it).
    const passphrase = `backup-${crypto.randomUUID()}`;
    const passFile = join(dir.path, "backup.pass");
    await Deno.writeTextFile(passFile, passphrase, { mode: 0o600 });
    const backupFile = join(dir.path, "controller.backup");
    const backup = startProgram("controller", {
      args: ["backup", "--out", backupFile, "--key-passphrase-file", passFile],
      env: { CONTROLLER_STATE_DIR: join(dir.path, "controller") },
    });
    others.push(backup);
    assert.ok((await backup.exited) === 0, `backup: ${backup.lines.join("\n")}`);

    // ---- collect: what the controller serves, then (every process stopped) logs and files ----
    const sources: { source: string; text: string }[] = [...pages];
    for (let before: string | null = null, page = 0; page < 50; page++) {
      const r = await c.admin("GET", `/api/admin/events?limit=1000${before ? `&before=${before}` : ""}`);
      sources.push({ source: `GET /api/admin/events page ${page}`, text: JSON.stringify(r.body) });
      before = r.body.next_before;
      if (!before) break;
    }
    const metrics = await fetch(`${c.adminUrl}/metrics`);
    sources.push({ source: "GET /metrics", text: await metrics.text() });
    for (
      const path of [
        "/api/admin/ca",
        "/api/admin/connectors",
        "/api/admin/tunnelers",
        "/api/admin/tokens",
        "/api/admin/connectors/c1",
        "/api/admin/tunnelers/t1",
      ]
    ) {
      sources.push({ source: `GET ${path}`, text: JSON.stringify((await c.admin("GET", path)).body) });
    }
    await Promise.all(others.map((p) => p.stop()));
    await c.close();
    await sampleKeys();
    for (const [i, p] of [...c.running, ...others].entries()) {
      sources.push({ source: `output of process #${i} (pid ${p.pid})`, text: p.lines.join("\n") });
    }
    // Every agent state directory (all but the CA's and the controller's); an agent's identity
    // file holds its current key, and no other.
    const ownKey = new Map<string, string>();
    for await (const e of Deno.readDir(dir.path)) {
      if (!e.isDirectory || e.name === "ca" || e.name === "controller") continue;
      const d = join(dir.path, e.name);
      const store = new IdentityStore(d);
      if (await store.exists()) ownKey.set(await store.keyFile(), (await store.load()).svid.keyPem);
      sources.push(...await filesUnder(d));
    }
    const kv = await filesUnder(`${dir.path}/controller`);
    sources.push(...kv);
    sources.push({ source: "the controller backup", text: await Deno.readTextFile(backupFile) });

    // ---- search ----
    const caKeyPem = await Deno.readTextFile(c.caKey);
    const secrets: Secret[] = [
      tokenSecret("the connector's enrollment token", connectorToken),
      tokenSecret("the tunneler's enrollment token", tunnelerToken),
      tokenSecret("an unused enrollment token", unusedToken),
      tokenSecret("a forged enrollment token", forged),
      { name: "the admin token", forms: [c.adminToken] },
      { name: "the UI password", forms: [password, `${password}-typo`] },
      { name: "the UI session cookie", forms: [cookie.slice(cookie.indexOf("=") + 1)] },
      { name: "the backup passphrase", forms: [passphrase] },
    ];
    const caKeys = [
      await keySecret("the first CA key", caKeyPem),
      await keySecret("the next CA key", next.keyPem),
    ];
    const keys = new Map<string, Secret>([[caKeyPem, caKeys[0]!], [next.keyPem, caKeys[1]!]]);
    for (const [pem, name] of agentKeys) keys.set(pem, await keySecret(name, pem));
    assert.ok(agentKeys.size >= 6, `agent keys sampled: ${[...agentKeys.values()].join(", ")}`);
    const kvFiles = new Set(kv.map((f) => f.source));
    const leaks: string[] = [];
    for (const { source, text } of sources) {
      for (const [pem, s] of [...secrets.map((s) => ["", s] as const), ...keys]) {
        // The controller signs with its CA keys: its KV holds them.
        if (kvFiles.has(source) && caKeys.includes(s)) continue;
        if (ownKey.get(source) === pem) continue;
        const form = s.forms.find((f) => text.includes(f));
        if (form !== undefined) leaks.push(`${s.name} in ${source}: …${form.slice(0, 24)}…`);
      }
    }
    assert.ok(leaks.length === 0, `secrets leaked:\n${leaks.join("\n")}`);
    assert.ok(sources.length > 10, `only ${sources.length} sources searched`);
  } finally {
    await Promise.all(others.map((p) => p.stop()));
    await c.close();
    await echo.close();
  }
});
