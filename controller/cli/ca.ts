/**
 * `postern-controller ca show|prepare|activate|retire`: the CA bundle and its rotation
 * (docs/ca-rotation.md). `prepare` sends a CA private key: only over HTTPS or to loopback.
 * @module
 */
import { ConfigError } from "../../shared/config/config_error.ts";
import { checkRoots } from "../../shared/config/roots.ts";
import { type Group, type Invocation, stringOption, UsageError } from "./command.ts";
import { jsonText, table } from "./output.ts";

interface CaView {
  fingerprint: string;
  subject: string;
  not_before: string;
  not_after: string;
  signing: boolean;
}

function print(inv: Invocation, body: { cas: CaView[] }): void {
  if (inv.json) return inv.print(jsonText(body));
  inv.print(table(
    ["FINGERPRINT", "SIGNING", "NOT AFTER", "SUBJECT"],
    body.cas.map((c) => [c.fingerprint, c.signing ? "yes" : "no", c.not_after, c.subject]),
    "no CAs",
  ));
}

async function readPem(inv: Invocation, option: "cert" | "key"): Promise<string> {
  const file = stringOption(inv, option);
  if (file === undefined) throw new UsageError(`--${option} FILE is required`, inv.usage);
  checkRoots("controller", [{ name: `--${option}`, path: file }]);
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    throw new ConfigError(`cannot read --${option} "${file}": ${(e as Error).message}`);
  }
}

const step = (name: "activate" | "retire", force = false) => async (inv: Invocation) => {
  const body = {
    fingerprint: inv.positionals[0]!,
    ...(force && inv.values.force === true ? { force: true } : {}),
  };
  print(inv, await inv.client().request("POST", `/api/admin/ca/rotate/${name}`, body));
};

/** The `ca` group. */
export const caGroup: Group = {
  name: "ca",
  summary: "the CA bundle and its rotation: show, prepare, activate, retire",
  commands: [
    {
      verb: "show",
      summary: "list the CAs agents trust and which one signs",
      run: async (inv) => print(inv, await inv.client().request("GET", "/api/admin/ca")),
    },
    {
      verb: "prepare",
      synopsis: "--cert FILE --key FILE",
      summary: "step 1: add a new CA to the trust bundle (it does not sign yet)",
      optionHelp: [
        "--cert FILE         the new CA certificate (PEM)",
        "--key FILE          its private key (PEM)",
      ],
      options: { cert: { type: "string" }, key: { type: "string" } },
      async run(inv) {
        const cert_pem = await readPem(inv, "cert");
        const key_pem = await readPem(inv, "key");
        print(inv, await inv.client().request("POST", "/api/admin/ca/rotate/prepare", { cert_pem, key_pem }));
      },
    },
    {
      verb: "activate",
      args: ["FINGERPRINT"],
      synopsis: "[--force]",
      summary: "step 2: the CA signs from now on (refused while ONLINE agents do not trust it yet)",
      optionHelp: ["--force             activate although ONLINE agents do not report trusting it"],
      options: { force: { type: "boolean" } },
      run: step("activate", true),
    },
    {
      verb: "retire",
      args: ["FINGERPRINT"],
      synopsis: "[--force]",
      summary:
        "step 3: remove an old CA from the trust bundle (refused while agents hold a certificate it issued)",
      optionHelp: ["--force             retire although agents still hold a certificate it issued"],
      options: { force: { type: "boolean" } },
      run: step("retire", true),
    },
  ],
};
