/** Fault: the path to the controller drops every byte in both directions (the scenario is in _keepalive_fault.ts). */
import { keepaliveFaultScenario } from "./_keepalive_fault.ts";

Deno.test("a connector notices a black-holed controller connection through keepalives within their bound and reconnects with jittered backoff", async () => {
  const ms = await keepaliveFaultScenario("drop");
  console.error(`drop: noticed after ${ms} ms`);
});
