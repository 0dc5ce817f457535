/** postern-ui: serves the admin site. Wiring only: config, services, server, signals. */
import { processEnv } from "../shared/config/env.ts";
import { PROGRAM_VARIABLES } from "../shared/config/variables.ts";
import { runMain } from "../shared/cli/run_main.ts";
import { createLogger, loggerOptionsFromEnv } from "../shared/log/logger.ts";
import { LoginRateLimiter } from "./auth/rate_limit.ts";
import { SessionStore } from "./auth/sessions.ts";
import { loadConfig } from "./config.ts";
import { AdminClient, adminFetch } from "./lib/admin_client.ts";
import { loadAssets } from "./lib/assets.ts";
import { createApp } from "./server.tsx";
import { runUiDoctor } from "./doctor.ts";
import { parseDoctorFlags } from "../shared/cli/doctor.ts";

async function main(): Promise<number> {
  const env = processEnv(PROGRAM_VARIABLES.ui);
  if (Deno.args[0] === "doctor") return await runUiDoctor(env, parseDoctorFlags(Deno.args.slice(1)));
  const config = loadConfig(env);
  const logger = createLogger(loggerOptionsFromEnv(env), { program: "postern-ui" });
  const assets = await loadAssets();
  if (!assets.scriptUrl) {
    logger.warn("islands bundle not built: pages work without live updates; run deno task bundle");
  }
  const app = createApp({
    client: new AdminClient(config.apiUrl, config.adminToken, adminFetch(config.adminCaCerts)),
    sessions: new SessionStore(config.sessionTtlMs),
    limiter: new LoginRateLimiter(),
    trustedProxies: config.trustedProxies,
    verifyPassword: config.verifyPassword,
    assets,
    logger,
    controllerAddr: config.controllerAddr,
    sessionTtlMs: config.sessionTtlMs,
  });
  const abort = new AbortController();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: config.addr.hostname || "0.0.0.0",
      port: config.addr.port,
      signal: abort.signal,
      onListen: ({ hostname, port }) =>
        logger.info(`listening on http://${hostname}:${port}`, {
          admin_api: config.apiUrl,
          trusted_proxies: config.trustedProxies.entries.join(","),
        }),
    }, app);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(`UI_ADDR ${config.addr.hostname}:${config.addr.port}: bind: address already in use`);
    }
    throw error;
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      logger.info("shutting down", { signal });
      abort.abort();
    });
  }
  await server.finished;
  return 0;
}

if (import.meta.main) runMain("postern-ui", main);
