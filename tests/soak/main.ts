/**
 * `deno task test:soak [--minutes N]` (default 10): runs the soak of tests/soak/soak.ts, prints its
 * figures as JSON, and exits 1 if a tunneled connection broke or an agent went OFFLINE.
 * @module
 */
import { parseArgs } from "node:util";
import { runSoak } from "./soak.ts";

const { values } = parseArgs({ args: Deno.args, options: { minutes: { type: "string", default: "10" } } });
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 600)) {
  console.error(`invalid --minutes "${values.minutes}": use a number of minutes between 0 and 600`);
  Deno.exit(2);
}
const result = await runSoak(minutes, (line) => console.error(`soak: ${line}`));
console.log(JSON.stringify(result, null, 2));
const broken = result.brokenLong.length + result.brokenShort.length;
if (broken > 0 || result.offlineTransitions.length > 0) {
  console.error(
    `soak failed: ${broken} broken connections, ${result.offlineTransitions.length} OFFLINE transitions`,
  );
  Deno.exit(1);
}
console.error("soak: ok, zero broken tunneled connections, zero OFFLINE transitions");
