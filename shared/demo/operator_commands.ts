/**
 * What the demo prints for the operator: the env files it wrote and the `status`, `doctor`, admin
 * and backup commands that use them, run from the repository.
 * @module
 */
import type { Topology } from "./topology.ts";

/** The operator's commands for a running demo, as printable text. */
export function operatorCommands(t: Pick<Topology, "envFiles" | "dir">): string {
  const f = t.envFiles;
  const sourced = (program: string, command: string) =>
    `(set -a; . ${f[program]}; deno task ${program} ${command})`;
  const lines = [
    `  Configuration to reuse (one env file per program, mode 0600, systemd EnvironmentFile= format):`,
    ...Object.entries(f).map(([program, path]) => `    ${program.padEnd(11)} ${path}`),
    ``,
    `  With them, from this repository:`,
    `    ${sourced("connector", "status")}`,
    `    ${sourced("tunneler", "status --json")}`,
    ...["controller", "connector", "tunneler", "ui"].filter((p) => f[p]).map((p) =>
      `    deno task ${p} doctor --env-file ${f[p]}`
    ),
    `    ${sourced("controller", "tokens list")}`,
    `    ${sourced("controller", "connectors list")}`,
    `    ${sourced("controller", "tunnelers list")}`,
    `    ${sourced("controller", "events")}`,
    `    ${sourced("controller", `backup --out ${t.dir}/controller.backup --without-ca-key`)}`,
  ];
  return lines.join("\n");
}
