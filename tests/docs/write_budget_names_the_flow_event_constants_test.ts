/**
 * docs/high-availability.md's write budget states the flow-event flush interval and cap that
 * controller/registry/flow_writer.ts holds, by name and value, so neither can change unseen.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../support/process.ts";
import {
  DEFAULT_FLOW_EVENTS_PER_SECOND,
  DEFAULT_FLOW_FLUSH_MS,
} from "../../controller/registry/flow_writer.ts";

/** `doc` holds `text` word for word. */
function states(doc: string, text: string): void {
  assert.match(doc, new RegExp(RegExp.escape(text)));
}

Deno.test("the write budget names the flow-event flush interval and cap with their values", async () => {
  const doc = (await Deno.readTextFile(`${REPO_ROOT}docs/high-availability.md`)).replace(/\s+/g, " ");
  states(doc, `wait at most ${DEFAULT_FLOW_FLUSH_MS} ms for others`);
  states(
    doc,
    `above ${DEFAULT_FLOW_EVENTS_PER_SECOND} a second per controller they are dropped`,
  );
  states(
    doc,
    `The ${DEFAULT_FLOW_FLUSH_MS} ms and the ${DEFAULT_FLOW_EVENTS_PER_SECOND} a second are constants of ` +
      "`controller/registry/flow_writer.ts` (`DEFAULT_FLOW_FLUSH_MS`, `DEFAULT_FLOW_EVENTS_PER_SECOND`)",
  );
  // One commit per flush (200 events fit two batches of 100, but a flush rarely holds them all).
  states(doc, `bound flow events to ${1000 / DEFAULT_FLOW_FLUSH_MS} commits a second`);
});
