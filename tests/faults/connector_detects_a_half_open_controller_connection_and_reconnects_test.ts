/** Fault: the controller's side of the connection is gone without a FIN or RST (the scenario is in _keepalive_fault.ts). */
import { keepaliveFaultScenario } from "./_keepalive_fault.ts";

Deno.test("a connector notices a half-open controller connection through keepalives within their bound and reconnects with jittered backoff", async () => {
  const ms = await keepaliveFaultScenario("half-open");
  console.error(`half-open: noticed after ${ms} ms`);
});
