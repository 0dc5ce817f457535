/**
 * `doctor`: checks configuration and environment for the failure modes of docs/failure-modes.md,
 * printing `[ok|FAIL] <id> <what> — remedy: ...`; exit 1 when one fails.
 * @module
 */
import { ConfigError } from "../config/config_error.ts";
import { readControllerCa } from "./config.ts";
import type { CommonAgentConfig } from "./config.ts";
import type { IdentityStore } from "./identity_store.ts";
import { verifySvid } from "../pki/verify.ts";
import { authorizeRole } from "../pki/authorize.ts";
import type { TrustBundle } from "../pki/bundle.ts";

/** One finding. */
export interface Finding {
  ok: boolean;
  id: string;
  what: string;
  remedy: string;
}

/** Runs the checks an agent can make without the controller. */
export async function agentDoctor(
  cfg: CommonAgentConfig | Error,
  store: IdentityStore | undefined,
  network?: NetworkChecks,
): Promise<Finding[]> {
  const out: Finding[] = [];
  if (cfg instanceof Error) {
    const td = /TRUST_DOMAIN/.test(cfg.message);
    out.push({
      ok: false,
      id: td ? "1.4" : "config",
      what: cfg.message,
      remedy: td
        ? "set TRUST_DOMAIN to a valid DNS name without a trailing dot"
        : "fix the variable named above",
    });
    return out;
  }
  out.push({ ok: true, id: "1.4", what: `trust domain "${cfg.trustDomain}" is valid`, remedy: "" });
  const stored = store ? await store.exists().catch(() => false) : false;
  // 1.1
  out.push(
    stored || cfg.token
      ? {
        ok: true,
        id: "1.1",
        what: stored ? "an identity is stored (no token needed)" : "ENROLLMENT_TOKEN is set",
        remedy: "",
      }
      : {
        ok: false,
        id: "1.1",
        what: "ENROLLMENT_TOKEN is required: no identity is stored",
        remedy: "create a token with POST /api/admin/tokens and set ENROLLMENT_TOKEN",
      },
  );
  // 1.3 / 5.2
  let bundle: TrustBundle | undefined;
  try {
    const ca = await readControllerCa(cfg.controllerCaPath);
    bundle = ca;
    out.push({
      ok: true,
      id: "1.3",
      what: `controller CA readable (${ca.certificates.length} certificate(s))`,
      remedy: "",
    });
  } catch (e) {
    const denied = /permission denied/i.test((e as Error).message);
    out.push({
      ok: false,
      id: denied ? "5.2" : "1.3",
      what: (e as ConfigError).message,
      remedy: denied
        ? "make the CA file and its directories readable by the service user (DynamicUser: use a world-readable path or LoadCredential=)"
        : "set CONTROLLER_CA_PATH to the controller's CA PEM (postern-controller init-ca writes ca.crt)",
    });
  }
  // 5.2: state directory
  if (store) {
    try {
      const st = await Deno.stat(store.dir);
      const mode = (st.mode ?? 0) & 0o777;
      const probe = `${store.dir}/.doctor-${Deno.pid}`;
      await Deno.writeTextFile(probe, "");
      await Deno.remove(probe);
      out.push({
        ok: true,
        id: "5.2",
        what: `state directory ${store.dir} is writable (mode ${mode.toString(8)})`,
        remedy: "",
      });
      if (stored) {
        const keyFile = await store.keyFile();
        const k = await Deno.stat(keyFile);
        const kmode = (k.mode ?? 0) & 0o777;
        out.push({
          ok: (kmode & 0o077) === 0,
          id: "5.2",
          what: `private key ${keyFile} has mode ${kmode.toString(8)}`,
          remedy: `chmod 600 ${keyFile}`,
        });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        out.push({
          ok: true,
          id: "5.2",
          what: `state directory ${store.dir} does not exist yet (created on enrollment)`,
          remedy: "",
        });
      } else {
        out.push({
          ok: false,
          id: "5.2",
          what: `state directory ${store.dir}: ${(e as Error).message}`,
          remedy: "give the service user write access (systemd: StateDirectory=)",
        });
      }
    }
  }
  // Stored identity: key match, trust domain, chain (2.1, 2.3), expiry (4.1).
  if (store && stored) {
    try {
      const id = await store.load();
      bundle = id.bundle;
      const peer = await verifySvid(id.svid.certPem, id.bundle, {
        trustDomain: cfg.trustDomain,
        authorize: authorizeRole(cfg.role),
      });
      out.push({
        ok: true,
        id: "2.1",
        what: `stored certificate chains to the stored trust bundle`,
        remedy: "",
      });
      out.push({ ok: true, id: "2.3", what: `stored identity is ${peer.spiffeId.uri}`, remedy: "" });
      const left = id.svid.notAfter.getTime() - Date.now();
      out.push({
        ok: left > 0,
        id: "4.1",
        what: `certificate expires ${id.svid.notAfter.toISOString()} (in ${Math.round(left / 1000)} s)`,
        remedy: "start the agent so it renews, or remove the state directory and enroll again",
      });
    } catch (e) {
      const msg = (e as Error).message;
      out.push({
        ok: false,
        id: /trust domain|role/.test(msg)
          ? "2.3"
          : /unknown authority/.test(msg)
          ? "2.1"
          : /expired/.test(msg)
          ? "4.1"
          : "identity",
        what: `stored identity: ${msg}`,
        remedy: "remove the state directory and enroll again with a new token",
      });
    }
  }
  // Over the network, with the freshest bundle: the stored one, else CONTROLLER_CA_PATH.
  if (network && bundle) out.push(...await network(cfg, bundle));
  return out;
}

/** Checks that dial out (see doctor_network.ts), given the trust bundle in force. */
export type NetworkChecks = (cfg: CommonAgentConfig, bundle: TrustBundle) => Promise<Finding[]>;

/** Prints findings; returns the exit code (1 when one failed). */
export function printFindings(findings: Finding[], write: (line: string) => void = console.log): number {
  for (const f of findings) {
    write(`[${f.ok ? "ok" : "FAIL"}] ${f.id} ${f.what}${f.ok ? "" : ` — remedy: ${f.remedy}`}`);
  }
  return findings.some((f) => !f.ok) ? 1 : 0;
}
