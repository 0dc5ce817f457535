/** Fault: the path to the controller holds every byte in both directions (a frozen peer) (the scenario is in _keepalive_fault.ts). */
import { keepaliveFaultScenario } from "./_keepalive_fault.ts";

Deno.test("a connector notices a stalled controller connection through keepalives within their bound and reconnects with jittered backoff", async () => {
  const ms = await keepaliveFaultScenario("stall");
  console.error(`stall: noticed after ${ms} ms`);
});
