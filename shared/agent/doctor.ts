/**
 * `doctor`: checks configuration and environment for the failure modes of docs/failure-modes.md,
 * printing `[ok|FAIL] <id> <what> — remedy: ...` (or `--json`); exit 1 when one fails. Ids come
 * from typed data (an error's `failureMode`, its cause), never from message text.
 * @module
 */
import { failureModeIn, type Finding } from "../cli/doctor.ts";
import { readControllerCa } from "./config.ts";
import type { CommonAgentConfig } from "./config.ts";
import type { IdentityStore } from "./identity_store.ts";
import { verifySvid } from "../pki/verify.ts";
import { authorizeRole } from "../pki/authorize.ts";
import type { TrustBundle } from "../pki/bundle.ts";
import { PeerVerificationError } from "../pki/refusal.ts";
import { renewalTime } from "../renewal/schedule.ts";

export type { Finding } from "../cli/doctor.ts";
export { printFindings } from "../cli/doctor.ts";

/** What `doctor` knows of the program beyond the common settings. */
export interface DoctorOptions {
  /** The IP the agent's certificate must name (a connector's CONNECTOR_PRIVATE_IP), failure mode 2.2. */
  privateIp?: string;
  /** Clock (tests). */
  now?: () => number;
}

/** Runs the checks an agent can make without the controller. */
export async function agentDoctor(
  cfg: CommonAgentConfig | Error,
  store: IdentityStore | undefined,
  network?: NetworkChecks,
  opts: DoctorOptions = {},
): Promise<Finding[]> {
  const now = opts.now ?? Date.now;
  const out: Finding[] = [];
  if (cfg instanceof Error) {
    const td = failureModeIn(cfg) === "1.4";
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
  let caFile: TrustBundle | undefined;
  try {
    caFile = await readControllerCa(cfg.controllerCaPath);
    bundle = caFile;
    out.push({
      ok: true,
      id: "1.3",
      what: `controller CA readable (${caFile.certificates.length} certificate(s))`,
      remedy: "",
    });
  } catch (e) {
    const denied = failureModeIn(e) === "5.2";
    out.push({
      ok: false,
      id: denied ? "5.2" : "1.3",
      what: (e as Error).message,
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
  // Stored identity: chain (2.1), identity (2.3), IP SAN (2.2), expiry and renewal (4.1), CA file (4.2).
  if (store && stored) {
    let id: Awaited<ReturnType<IdentityStore["load"]>> | undefined;
    try {
      id = await store.load();
      bundle = id.bundle;
      if (caFile) out.push(caFileFinding(caFile, id.bundle, cfg.controllerCaPath ?? ""));
      const peer = await verifySvid(id.svid.certPem, id.bundle, {
        trustDomain: cfg.trustDomain,
        authorize: authorizeRole(cfg.role),
        ...(opts.privateIp === undefined ? {} : { dialedIp: opts.privateIp }),
        now: new Date(now()),
      });
      out.push({
        ok: true,
        id: "2.1",
        what: `stored certificate chains to the stored trust bundle`,
        remedy: "",
      });
      out.push({ ok: true, id: "2.3", what: `stored identity is ${peer.spiffeId.uri}`, remedy: "" });
      if (opts.privateIp !== undefined) {
        out.push({
          ok: true,
          id: "2.2",
          what: `stored certificate names the configured IP ${opts.privateIp}`,
          remedy: "",
        });
      }
      out.push(renewalFinding(id.svid, now()));
    } catch (e) {
      const expired = e instanceof PeerVerificationError && e.reason === "expired";
      const mode = expired ? "4.1" : failureModeIn(e);
      out.push({
        ok: false,
        id: mode ?? "identity",
        what: `stored identity: ${(e as Error).message}`,
        remedy: mode === "2.2"
          ? "set CONNECTOR_PRIVATE_IP to the IP the certificate names, or remove the state directory and enroll again"
          : "remove the state directory and enroll again with a new token",
      });
    }
  }
  // Over the network, with the freshest bundle: the stored one, else CONTROLLER_CA_PATH.
  if (network && bundle) out.push(...await network(cfg, bundle));
  return out;
}

/** Checks that dial out (see doctor_network.ts), given the trust bundle in force. */
export type NetworkChecks = (cfg: CommonAgentConfig, bundle: TrustBundle) => Promise<Finding[]>;

/** 4.1: time left and when the renewal is due (a third of the lifetime before expiry). */
function renewalFinding(svid: { notBefore: Date; notAfter: Date }, now: number): Finding {
  const left = svid.notAfter.getTime() - now;
  const due = renewalTime(svid, () => 0.5);
  const what = `certificate expires ${svid.notAfter.toISOString()} (in ${
    Math.round(left / 1000)
  } s), renewal due ${new Date(due).toISOString()}`;
  if (left <= 0) {
    return {
      ok: false,
      id: "4.1",
      what,
      remedy:
        "start the agent so it renews within RENEW_GRACE, or remove the state directory and enroll again",
    };
  }
  return { ok: true, id: "4.1", what, remedy: "" };
}

/** 4.2: the stored trust bundle and CONTROLLER_CA_PATH share a CA (else the file is of another controller). */
function caFileFinding(caFile: TrustBundle, stored: TrustBundle, path: string): Finding {
  const shared = caFile.fingerprints().some((fp) => stored.has(fp));
  return shared
    ? { ok: true, id: "4.2", what: `stored trust bundle includes a CA of ${path}`, remedy: "" }
    : {
      ok: false,
      id: "4.2",
      what: `internal CA mismatch: no CA of ${path} is in the stored trust bundle (${
        stored.fingerprints().map((f) => f.slice(0, 16)).join(", ")
      })`,
      remedy:
        "point CONTROLLER_CA_PATH at the current controller's ca.crt (GET /api/admin/ca), or enroll again against this controller",
    };
}
