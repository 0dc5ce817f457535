/** postern-ui: serves the admin site. Wiring only: config, services, server, signals. */
import { processEnv } from "../shared/config/env.ts";
import { PROGRAM_VARIABLES } from "../shared/config/variables.ts";
import { runMain } from "../shared/cli/run_main.ts";
import { serveHttp } from "../shared/http/serve.ts";
import { createLogger, loggerOptionsFromEnv } from "../shared/log/logger.ts";
import { LoginRateLimiter } from "./auth/rate_limit.ts";
import { SessionStore } from "./auth/sessions.ts";
import { loadConfig } from "./config.ts";
import { helpOrVersion } from "./help.ts";
import { AdminClient, adminFetch } from "./lib/admin_client.ts";
import { loadAssets } from "./lib/assets.ts";
import { type ListedAgent, OutageWatch } from "./lib/outage.ts";
import { type CounterReport, startTrafficSampler, TrafficHistory } from "./lib/traffic_history.ts";
import { createApp } from "./server.tsx";
import { runUiDoctor } from "./doctor.ts";
import { parseDoctorFlags } from "../shared/cli/doctor.ts";

async function main(): Promise<number> {
  const early = helpOrVersion(Deno.args);
  if (early !== undefined) {
    console.log(early);
    return 0;
  }
  const env = processEnv(PROGRAM_VARIABLES.ui);
  if (Deno.args[0] === "doctor") return await runUiDoctor(env, parseDoctorFlags(Deno.args.slice(1)));
  const config = loadConfig(env);
  const logger = createLogger(loggerOptionsFromEnv(env), { program: "postern-ui" });
  const assets = await loadAssets();
  if (!assets.scriptUrl) {
    logger.warn("islands bundle not built: pages work without live updates; run deno task bundle");
  }
  const client = new AdminClient(config.apiUrl, config.adminToken, adminFetch(config.adminCaCerts));
  const traffic = new TrafficHistory();
  // The one poll of the admin API feeds both the charts and the outage banner.
  const outage = new OutageWatch();
  let sampleFailing = false;
  const stopSampling = startTrafficSampler(
    traffic,
    async (role) => {
      const agents = await client.list<CounterReport & ListedAgent>(`/api/admin/${role}`, role);
      outage.listed(role, agents);
      if (sampleFailing) logger.info("traffic sampling resumed");
      sampleFailing = false;
      return agents;
    },
    (error) => {
      outage.failed(error);
      if (!sampleFailing) {
        logger.warn("traffic sampling failed; the charts show a gap", { error: String(error) });
      }
      sampleFailing = true;
    },
  );
  const app = createApp({
    client,
    sessions: new SessionStore(config.sessionTtlMs),
    limiter: new LoginRateLimiter(),
    trustedProxies: config.trustedProxies,
    verifyPassword: config.verifyPassword,
    assets,
    logger,
    controllerAddr: config.controllerAddr,
    sessionTtlMs: config.sessionTtlMs,
    traffic,
    outage,
  });
  // The shared HTTP server bounds what Deno.serve cannot: idle and slow connections, request heads.
  const server = await serveHttp(
    { addr: config.addr, addrVariable: "UI_ADDR", log: logger, urlHost: "ui.invalid" },
    app,
  );
  logger.info(`listening on http://${server.hostname}:${server.port}`, {
    admin_api: config.apiUrl,
    trusted_proxies: config.trustedProxies.entries.join(","),
  });
  const stopped = Promise.withResolvers<void>();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      logger.info("shutting down", { signal });
      stopped.resolve();
    });
  }
  await stopped.promise;
  stopSampling();
  await server.shutdown();
  return 0;
}

if (import.meta.main) runMain("postern-ui", main);
