/**
 * `postern-controller doctor [--json] [--env-file PATH]`: checks the configuration and
 * environment for failure modes 1.3, 1.4, 1.5, 5.1 and 5.3, the state directory and the CA's
 * expiry; on etcd, the members, alarms and compaction (doctor_etcd.ts). Ids come from typed data (CaError.failureMode via the error's cause), never from text.
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
  storeConfigFrom,
  trustDomainFrom,
} from "./config.ts";
import { secureStateDir } from "./state_dir.ts";
import { doctorEnv, failureModeIn, type Finding, printFindings } from "../shared/cli/doctor.ts";
import { PROGRAM_VARIABLES } from "../shared/config/variables.ts";

export type { Finding } from "../shared/cli/doctor.ts";

/** Whether a controller answers ready at the admin address (then a port it holds is no conflict). */
async function controllerReady(env: Env): Promise<{ grpc: boolean } | undefined> {
  let addr;
  try {
    addr = hostPort(env, "ADMIN_HTTP_ADDR", DEFAULT_ADMIN_HTTP_ADDR);
  } catch {
    return undefined;
  }
  const host = !addr.hostname || addr.hostname === "0.0.0.0" || addr.hostname === "::"
    ? "127.0.0.1"
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  let client: Deno.HttpClient | undefined;
  let scheme = "http";
  try {
    const tls = adminTlsPathsFrom(env);
    if (tls) {
      scheme = "https";
      client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(tls.certPath)] });
    }
  } catch {
    return undefined;
  }
  try {
    const res = await fetch(`${scheme}://${host}:${addr.port}/readyz`, {
      signal: AbortSignal.timeout(3_000),
      ...(client ? { client } : {}),
    });
    const body = await res.json().catch(() => undefined) as { status?: string; grpc?: boolean } | undefined;
    return res.ok && body?.status === "ready" ? { grpc: body.grpc === true } : undefined;
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

function portFree(name: string, env: Env, fallback: string, heldByController: boolean): Finding {
  let addr;
  try {
    addr = hostPort(env, name, fallback);
  } catch (e) {
    return { ok: false, id: "5.3", what: (e as Error).message, remedy: `set ${name} to host:port or :port` };
  }
  if (heldByController) {
    return {
      ok: true,
      id: "5.3",
      what: `${name} :${addr.port} is held by this controller (its /readyz answers ready)`,
      remedy: "",
    };
  }
  try {
    const l = Deno.listen({ hostname: addr.hostname || "0.0.0.0", port: addr.port });
    l.close();
    return { ok: true, id: "5.3", what: `${name} :${addr.port} is free`, remedy: "" };
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
    out.push({
      ok: true,
      id: "1.4",
      what: `TRUST_DOMAIN "${td}" is a valid SPIFFE trust domain`,
      remedy: "",
    });
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
    out.push({ ok: true, id: "1.3", what: `internal CA ${ca.fingerprint.slice(0, 16)}… loads`, remedy: "" });
    out.push({ ok: true, id: "1.5", what: "CA certificate has the keyCertSign key usage", remedy: "" });
    const days = Math.floor((ca.notAfter.getTime() - Date.now()) / 86_400_000);
    out.push({
      ok: days >= 30,
      id: "4.2",
      what: `CA certificate expires in ${days} days (${ca.notAfter.toISOString()})`,
      remedy: days >= 30 ? "" : "rotate the CA now (docs/ca-rotation.md)",
    });
  } catch (e) {
    const message = (e as Error).message;
    const missingKu = failureModeIn(e) === "1.5";
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
    out.push({ ok: true, id: "config", what: "controller variables are valid", remedy: "" });
  } catch (e) {
    // A bad TRUST_DOMAIN is the 1.4 finding above.
    if (failureModeIn(e) !== "1.4") {
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
      out.push({
        ok: true,
        id: "admin-tls",
        what: `admin API serves HTTPS with ${tlsPaths.certPath}`,
        remedy: "",
      });
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
  const running = await controllerReady(env);
  out.push(portFree("ADMIN_HTTP_ADDR", env, DEFAULT_ADMIN_HTTP_ADDR, running !== undefined));
  out.push(portFree("CONTROLLER_GRPC_ADDR", env, ":8443", running?.grpc === true));
  const dir = stateDirFrom(env);
  try {
    await secureStateDir(dir);
    const probe = `${dir}/.doctor-${crypto.randomUUID()}`;
    await Deno.writeTextFile(probe, "ok");
    await Deno.remove(probe);
    out.push({
      ok: true,
      id: "state",
      what: `state directory ${dir} is writable and private (0700)`,
      remedy: "",
    });
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
  try {
    const store = storeConfigFrom(env);
    if (store.kind === "etcd") {
      const { etcdFindings } = await import("./doctor_etcd.ts");
      out.push(...await etcdFindings(store));
    }
  } catch (e) {
    out.push({
      ok: false,
      id: "etcd",
      what: (e as Error).message,
      remedy: "fix CONTROLLER_STORE and the ETCD_* files",
    });
  }
  return out;
}

/**
 * Runs doctor with `argv` (`--json`, `--env-file PATH`), prints the findings; returns 1 when one
 * failed.
 */
export async function runDoctor(
  env: Env,
  flags: { json: boolean; envFile: string | undefined },
): Promise<number> {
  const loaded = await doctorEnv(env, flags.envFile, PROGRAM_VARIABLES.controller);
  return printFindings([...loaded.findings, ...await diagnose(loaded.env)], flags.json);
}
