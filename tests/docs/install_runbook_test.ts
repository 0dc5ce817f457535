/**
 * docs/install.md cannot rot: every ```sh block preceded by `<!-- runnable -->` runs, in order, in one
 * bash (`set -euo pipefail`) against a temporary root under .postern/. The runbook's host paths
 * (/etc/postern, /var/lib/postern-*, /run/credentials, /usr/local/bin), its addresses (10.0.0.10,
 * 10.0.1.5, 10.0.1.20) and ports are mapped onto that root, loopback and free ports; `systemctl`
 * and `journalctl` are stood in by functions that run the real units of systemd/ (EnvironmentFile=,
 * ExecStart=, Environment=, LoadCredential=, StateDirectory=) as plain processes. The private web
 * app is a real HTTP server; its answer must arrive through the tunnel.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { REPO_ROOT } from "../support/process.ts";

const RUNBOOK = `${REPO_ROOT}docs/install.md`;
const GREETING = "hello from the private web app at 10.0.1.20\n";

/** The runnable blocks of a markdown text, in order. */
export function runnableBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- runnable -->\s*\n```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Rewrites host paths, addresses and ports of the runbook onto the test's root and ports. */
function rewriter(root: string, ports: Record<string, number>): (text: string) => string {
  return (text) =>
    text
      .replaceAll("/etc/postern", `${root}/etc/postern`)
      .replaceAll("/var/lib/postern-", `${root}/var/lib/postern-`)
      .replaceAll("/run/credentials/", `${root}/run/credentials/`)
      .replaceAll("/usr/local/bin/", `${root}/usr/local/bin/`)
      .replace(/\b10\.0\.(0\.10|1\.5|1\.20)\b/g, "127.0.0.1")
      .replace(/:(\d+)\b/g, (all, port: string) => ports[port] === undefined ? all : `:${ports[port]}`);
}

/** The stand-ins for systemctl and journalctl: the real unit files, run as plain processes. */
function preamble(root: string): string {
  return String.raw`
ROOT='${root}'
mkdir -p "$ROOT/log" "$ROOT/run" "$ROOT/var/lib"
systemctl() {
  local verb=$1; shift
  if [ "$verb" = enable ]; then [ "$1" = --now ] && shift; verb=start; fi
  local name=${"${1%.service}"}
  case $verb in
    start) unit_start "$name" ;;
    stop) unit_stop "$name" ;;
    restart) unit_stop "$name"; unit_start "$name" ;;
    daemon-reload) ;;
    *) echo "systemctl stand-in: $verb is not supported" >&2; return 1 ;;
  esac
}
unit_start() {
  local name=$1 unit="$ROOT/units/$1.service"
  local creds="$ROOT/run/credentials/$1.service"
  mkdir -p -m 0700 "$creds"
  local envfile exec state
  envfile=$(sed -n 's/^EnvironmentFile=//p' "$unit")
  exec=$(sed -n 's/^ExecStart=//p' "$unit")
  state=$(sed -n 's/^StateDirectory=//p' "$unit")
  [ -f "$envfile" ] || { echo "Failed to load environment files: No such file or directory" >&2; return 1; }
  [ -d "$ROOT/var/lib/$state" ] || mkdir -m 0700 "$ROOT/var/lib/$state"
  local cred
  while IFS= read -r cred; do install -m 0400 "${"${cred#*:}"}" "$creds/${"${cred%%:*}"}"; done \
    < <(sed -n 's/^LoadCredential=//p' "$unit")
  local file_env unit_env
  mapfile -t file_env < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$envfile")
  mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$unit" | sed "s#%d#$creds#g")
  ( exec env -i PATH="$PATH" HOME="$HOME" NO_COLOR=1 STATE_DIRECTORY="$ROOT/var/lib/$state" \
      CREDENTIALS_DIRECTORY="$creds" "${"${file_env[@]}"}" "${"${unit_env[@]}"}" $exec ) >>"$ROOT/log/$name.log" 2>&1 &
  echo $! > "$ROOT/run/$name.pid"
}
unit_stop() {
  local pidfile="$ROOT/run/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile"); rm -f "$pidfile"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "$1 did not stop within 10 s" >&2; kill -KILL "$pid"; return 1
}
journalctl() { [ "$1" = -u ] && cat "$ROOT/log/${"${2%.service}"}.log"; }
stop_all() { for f in "$ROOT"/run/*.pid; do [ -f "$f" ] && unit_stop "$(basename "$f" .pid)"; done; return 0; }
trap stop_all EXIT
`;
}

Deno.test({
  name:
    "docs/install.md: every runnable block runs in order against real processes and the tunnel carries bytes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await Deno.mkdir(`${REPO_ROOT}.postern`, { recursive: true });
    const root = await Deno.makeTempDir({ dir: `${REPO_ROOT}.postern`, prefix: "runbook-" });
    const web = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(GREETING),
    );
    try {
      const ports: Record<string, number> = {
        "8443": freePort(),
        "8080": freePort(),
        "9443": freePort(),
        "8000": web.addr.port,
        "18000": freePort(),
      };
      const rewrite = rewriter(root, ports);
      const blocks = runnableBlocks(await Deno.readTextFile(RUNBOOK));
      assert.ok(blocks.length >= 10, `only ${blocks.length} runnable blocks`);

      await Deno.mkdir(`${root}/usr/local/bin`, { recursive: true });
      await Deno.mkdir(`${root}/units`);
      for (const program of ["controller", "connector", "tunneler", "ui"]) {
        const bin = `${root}/usr/local/bin/postern-${program}`;
        await Deno.writeTextFile(
          bin,
          `#!/bin/sh\nexec '${Deno.execPath()}' run --config '${REPO_ROOT}deno.json' -P=${program} '${REPO_ROOT}${program}/main.ts' "$@"\n`,
          { mode: 0o755 },
        );
        await Deno.chmod(bin, 0o755);
        const unit = await Deno.readTextFile(`${REPO_ROOT}systemd/postern-${program}.service`);
        await Deno.writeTextFile(`${root}/units/postern-${program}.service`, rewrite(unit));
      }
      const script = [
        preamble(root),
        `export PATH='${root}/usr/local/bin':"$PATH"`,
        ...blocks.map((b, i) => `echo "--- runnable block ${i + 1}" >&2\n${rewrite(b)}`),
        `echo "--- runbook complete" >&2`,
      ].join("\n");
      await Deno.writeTextFile(`${root}/runbook.sh`, script);
      const out = await new Deno.Command("bash", {
        args: ["-euo", "pipefail", `${root}/runbook.sh`],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(240_000),
      }).output();
      const dec = new TextDecoder();
      const text = dec.decode(out.stdout) + dec.decode(out.stderr);
      const logs = await Array.fromAsync(Deno.readDir(`${root}/log`)).then((es) =>
        Promise.all(es.map(async (e) => `== ${e.name}\n${await Deno.readTextFile(`${root}/log/${e.name}`)}`))
      ).catch(() => []);
      const why = `${text}\n${logs.join("\n").slice(-6000)}`;
      assert.deepEqual(out.code, 0, why);
      assert.ok(text.includes("--- runbook complete"), why);
      assert.ok(text.includes(GREETING), `the web app's answer through the tunnel: ${why}`);
      assert.ok(/restored \d+ entries/.test(text), why);
      assert.ok(/^postern_connectors\{status="ONLINE"\} 1$/m.test(text), why);
      assert.ok(text.includes("spiffe://postern.internal/tunneler/laptop-1"), `tunneler status: ${why}`);
      assert.ok(text.includes('tunneler "laptop-1" revoked'), `the revocation event: ${why}`);
    } finally {
      await web.shutdown();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
