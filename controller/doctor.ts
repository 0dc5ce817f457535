/**
 * `postern-controller doctor`: checks the configuration and environment for failure modes
 * 1.3, 1.4, 1.5 and 5.3, the state directory and the CA's expiry.
 * @module
 */
import { ConfigError } from "../shared/config/config_error.ts";
import { type Env, hostPort } from "../shared/config/env.ts";
import {
  adminTlsPathsFrom,
  caSourceFrom,
  DEFAULT_ADMIN_HTTP_ADDR,
  loadCaFrom,
  parseBaseConfig,
  readAdminTls,
  stateDirFrom,
  trustDomainFrom,
} from "./config.ts";
import { secureStateDir } from "./state_dir.ts";

/** One finding. */
export interface Finding {
  ok: boolean;
  id: string;
  what: string;
  remedy?: string;
}

function portFree(name: string, env: Env, fallback: string): Finding {
  let addr;
  try {
    addr = hostPort(env, name, fallback);
  } catch (e) {
    return { ok: false, id: "5.3", what: (e as Error).message, remedy: `set ${name} to host:port or :port` };
  }
  try {
    const l = Deno.listen({ hostname: addr.hostname || "0.0.0.0", port: addr.port });
    l.close();
    return { ok: true, id: "5.3", what: `${name} :${addr.port} is free` };
  } catch (e) {
    const inUse = e instanceof Deno.errors.AddrInUse;
    return {
      ok: false,
      id: "5.3",
      what: `${name} :${addr.port}: ${inUse ? "bind: address already in use" : (e as Error).message}`,
      remedy:
        `stop the process holding the port (ss -ltnp 'sport = :${addr.port}') or choose another ${name}`,
    };
  }
}

/** Runs every check. */
export async function diagnose(env: Env): Promise<Finding[]> {
  const out: Finding[] = [];
  try {
    const td = trustDomainFrom(env);
    out.push({ ok: true, id: "1.4", what: `TRUST_DOMAIN "${td}" is a valid SPIFFE trust domain` });
  } catch (e) {
    out.push({
      ok: false,
      id: "1.4",
      what: (e as Error).message,
      remedy: "set TRUST_DOMAIN to a DNS name (lower case, no trailing dot), e.g. postern.internal",
    });
  }
  try {
    const ca = await loadCaFrom(await caSourceFrom(env));
    out.push({ ok: true, id: "1.3", what: `internal CA ${ca.fingerprint.slice(0, 16)}… loads` });
    out.push({ ok: true, id: "1.5", what: "CA certificate has the keyCertSign key usage" });
    const days = Math.floor((ca.notAfter.getTime() - Date.now()) / 86_400_000);
    out.push({
      ok: days >= 30,
      id: "4.2",
      what: `CA certificate expires in ${days} days (${ca.notAfter.toISOString()})`,
      ...(days >= 30 ? {} : { remedy: "rotate the CA now (docs/ca-rotation.md)" }),
    });
  } catch (e) {
    const message = (e as Error).message;
    const missingKu = message.includes("missing key usage");
    out.push({
      ok: false,
      id: missingKu ? "1.5" : "1.3",
      what: message,
      remedy: missingKu
        ? "create a CA with keyCertSign: postern-controller init-ca --out DIR"
        : "set INTERNAL_CA_CERT_FILE / INTERNAL_CA_KEY_FILE to readable PEM files (postern-controller init-ca --out DIR)",
    });
  }
  try {
    parseBaseConfig(env);
    out.push({ ok: true, id: "config", what: "controller variables are valid" });
  } catch (e) {
    if (!(e as Error).message.includes("TRUST_DOMAIN")) {
      out.push({
        ok: false,
        id: "config",
        what: (e as Error).message,
        remedy: "fix the variable named above",
      });
    }
  }
  let tlsPaths;
  try {
    tlsPaths = adminTlsPathsFrom(env);
  } catch { /* reported by the config finding above */ }
  if (tlsPaths) {
    try {
      await readAdminTls(tlsPaths);
      out.push({ ok: true, id: "admin-tls", what: `admin API serves HTTPS with ${tlsPaths.certPath}` });
    } catch (e) {
      out.push({
        ok: false,
        id: "admin-tls",
        what: (e as Error).message,
        remedy:
          "give ADMIN_TLS_CERT_FILE a readable PEM certificate chain and ADMIN_TLS_KEY_FILE its private key",
      });
    }
  }
  out.push(portFree("ADMIN_HTTP_ADDR", env, DEFAULT_ADMIN_HTTP_ADDR));
  out.push(portFree("CONTROLLER_GRPC_ADDR", env, ":8443"));
  const dir = stateDirFrom(env);
  try {
    await secureStateDir(dir);
    const probe = `${dir}/.doctor-${crypto.randomUUID()}`;
    await Deno.writeTextFile(probe, "ok");
    await Deno.remove(probe);
    out.push({ ok: true, id: "state", what: `state directory ${dir} is writable and private (0700)` });
  } catch (e) {
    if (e instanceof ConfigError) {
      out.push({ ok: false, id: "state", what: e.message, remedy: "do what the message above says" });
    } else {
      out.push({
        ok: false,
        id: "state",
        what: `state directory ${dir} is not writable: ${(e as Error).message}`,
        remedy:
          "set CONTROLLER_STATE_DIR (or systemd StateDirectory=) to a directory the controller can write",
      });
    }
  }
  return out;
}

/** Prints findings as `[ok|FAIL] <id> <what> — remedy: ...`; returns 1 when one failed. */
export async function runDoctor(env: Env): Promise<number> {
  const findings = await diagnose(env);
  for (const f of findings) {
    console.log(`[${f.ok ? "ok" : "FAIL"}] ${f.id} ${f.what}${f.remedy ? ` — remedy: ${f.remedy}` : ""}`);
  }
  return findings.every((f) => f.ok) ? 0 : 1;
}
