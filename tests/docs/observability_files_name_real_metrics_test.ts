/**
 * docs/observability: the Grafana dashboard parses and every metric its queries name is served by
 * a real controller's or connector's /metrics; the Prometheus config scrapes the controller's
 * default admin address. `promtool check metrics` (and `check config`) pass when promtool is
 * installed; without it that part is skipped with a message.
 */
import assert from "node:assert/strict";
import { startCluster } from "../agents/_cluster.ts";
import { tempDir } from "../support/paths.ts";
import { freePort } from "../support/ports.ts";
import { REPO_ROOT } from "../support/process.ts";
import { waitFor } from "../support/wait_for.ts";

const DOCS = `${REPO_ROOT}docs/observability`;

/** Metric names of an exposition (histograms also under their base name). */
function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = line.match(/^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)/);
    if (m) names.add(m[1]!);
  }
  return names;
}

async function promtool(args: string[], stdin?: string): Promise<{ code: number; out: string } | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("every Grafana query names a metric of a real controller or connector; promtool accepts /metrics", async () => {
  await using dir = await tempDir();
  const c = await startCluster(dir.path, { CONNECTOR_CERT_TTL: "3s" });
  try {
    const health = `127.0.0.1:${freePort()}`;
    const connector = await c.runConnector("c1", freePort(), { CONNECTOR_HEALTH_ADDR: health });
    await connector.waitForLine("certificate renewed", 20_000); // postern_renewals_total has a series
    const controllerText = await (await fetch(`${c.adminUrl}/metrics`)).text();
    const connectorText = await waitFor(
      "the connector's /metrics",
      async () => {
        const r = await fetch(`http://${health}/metrics`).catch(() => undefined);
        return r?.ok ? await r.text() : (await r?.body?.cancel(), undefined);
      },
    );
    const served = new Set([...metricNames(controllerText), ...metricNames(connectorText)]);

    const dashboard = JSON.parse(await Deno.readTextFile(`${DOCS}/grafana-dashboard.json`));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
      p.targets.map((t) => t.expr)
    );
    assert.ok(exprs.length >= 10, `only ${exprs.length} queries`);
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\bpostern_[a-z0-9_]+/g)].map((m) => m[0])));
    const missing = [...named].filter((n) => !served.has(n));
    assert.deepEqual(missing, [], `queries name metrics no program serves: ${missing.join(", ")}`);
    for (const must of ["postern_connectors", "postern_renewals_total", "postern_connector_sessions"]) {
      assert.ok(named.has(must), `the dashboard shows ${must}`);
    }

    const scrape = await Deno.readTextFile(`${DOCS}/prometheus.yml`);
    assert.ok(scrape.includes("job_name: postern-controller"), scrape);
    assert.ok(scrape.includes('targets: ["127.0.0.1:8080"]'), "the controller's default ADMIN_HTTP_ADDR");
    assert.ok(scrape.includes("metrics_path: /metrics"), scrape);

    const checks = [
      await promtool(["check", "metrics"], controllerText),
      await promtool(["check", "metrics"], connectorText),
      await promtool(["check", "config", `${DOCS}/prometheus.yml`]),
    ];
    if (checks[0] === undefined) {
      console.error(
        "promtool is not installed (apt-get install prometheus): skipping promtool check metrics/config",
      );
    } else {
      for (const r of checks) assert.deepEqual(r?.code, 0, r?.out ?? "");
    }
  } finally {
    await c.close();
  }
});
