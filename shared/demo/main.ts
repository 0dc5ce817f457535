/**
 * `deno task demo` (or `npm start`): the whole system on loopback with embedded defaults.
 * POSTERN_DEMO_DIR picks the working directory (default: a fresh one under `.postern/demo/` in the
 * repository, a root of every program's permission set; a directory outside the roots makes the
 * programs exit 2 naming it), where each program's env file is left to reuse.
 * `--check` brings everything up, fetches through the tunnel once, stops and exits 0.
 * `--ha` starts the highly available system instead (shared/demo/ha_main.ts).
 */
import { parseArgs } from "node:util";
import { makeDevDir } from "../config/roots.ts";
import { parseHostPort } from "../net/host_port.ts";
import { suggestedForward } from "../../controller/cli/forwards.ts";
import { stopOnSignal } from "./child.ts";
import { operatorCommands } from "./operator_commands.ts";
import { PRIVATE_GREETING, startTopology, type Topology } from "./topology.ts";
import { runHaDemo } from "./ha_main.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { check: { type: "boolean", default: false }, ha: { type: "boolean", default: false } },
});
const dir = Deno.env.get("POSTERN_DEMO_DIR") || await makeDevDir("demo", "postern-demo-");
await Deno.mkdir(dir, { recursive: true });
if (values.ha) {
  await runHaDemo(dir, values.check);
  // Interactive: the signal listeners keep the process until Ctrl-C.
  await new Promise(() => {});
}

console.log(`Postern demo in ${dir}`);
let topology: Topology;
try {
  topology = await startTopology({ dir, progress: (line) => console.log(`  … ${line}`) });
} catch (error) {
  console.error(`demo failed: ${(error as Error).message}`);
  Deno.exit(1);
}

const body = await (await fetch(topology.forwardUrl)).text();
if (values.check) {
  await topology.stop();
  console.log(
    body === PRIVATE_GREETING ? "demo check: ok" : `demo check: unexpected answer ${JSON.stringify(body)}`,
  );
  Deno.exit(body === PRIVATE_GREETING ? 0 : 1);
}

const t = topology;
const deno = Deno.execPath();
const connectorPort = parseHostPort(t.connectorAddr).port;
// The forward `tunnelers show` suggests for the private service: its listen side.
const forwardListen = suggestedForward(t.privateServiceAddr)?.split("=")[0] ?? "127.0.0.1:18081";
console.log(`
Postern is running. Everything listens on 127.0.0.1; logs are in ${t.dir}/logs.

  Admin UI      ${t.uiUrl}   (password: ${t.uiPassword})
  Admin API     ${t.admin.baseUrl}   (Authorization: Bearer ${t.admin.token})
  Through the tunnel to the private service ${t.privateServiceAddr}:
                curl ${t.forwardUrl}

  Add a second tunneler by hand (from this repository), with the admin commands:
    export ADMIN_API_URL=${t.admin.baseUrl} ADMIN_AUTH_TOKEN=${t.admin.token}
    ${deno} task controller connectors allowlist ${t.connectorId} --add laptop-2
    ${deno} task controller tunnelers show laptop-2 --connector-port ${connectorPort} --env > ${t.dir}/laptop-2.env
    set -a; . ${t.dir}/laptop-2.env; set +a
    CONTROLLER_ADDR=${t.grpcAddr} CONTROLLER_CA_PATH=${t.caPath} TUNNELER_STATE_DIR=${t.dir}/laptop-2 \\
      ENROLLMENT_TOKEN=$(${deno} task controller tokens create --role tunneler --id laptop-2) \\
      ${deno} task tunneler run
    curl http://${forwardListen}/
  See everything that happened, and who did it: ${deno} task controller events

${operatorCommands(t)}

Ctrl-C stops everything.`);

stopOnSignal(() => t.stop());
