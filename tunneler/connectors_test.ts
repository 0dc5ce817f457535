import assert from "node:assert/strict";
import { ConnectorChoice } from "./connectors.ts";
import { parseConnectorAddrs } from "./config.ts";

const targets = parseConnectorAddrs("c1@127.0.0.1:1,c2@127.0.0.1:2,c3@127.0.0.1:3");
const ids = (c: ConnectorChoice) => c.order().map((t) => t.id);

Deno.test("the first connector is in use until it fails; then the next, wrapping around", () => {
  const c = new ConnectorChoice(targets);
  assert.deepEqual(c.current.id, "c1");
  assert.deepEqual(ids(c), ["c1", "c2", "c3"]);
  c.failed(targets[0]!);
  assert.deepEqual(c.current.id, "c2");
  assert.deepEqual(ids(c), ["c2", "c3", "c1"]);
  c.failed(targets[1]!);
  c.failed(targets[2]!);
  assert.deepEqual(c.current.id, "c1");
});

Deno.test("a failure of a connector not in use changes nothing; the last one that worked is preferred", () => {
  const c = new ConnectorChoice(targets);
  c.failed(targets[0]!);
  c.failed(targets[0]!); // a second report of the same failure (tunnel and heartbeat)
  assert.deepEqual(c.current.id, "c2");
  c.worked(targets[2]!);
  assert.deepEqual(c.current.id, "c3");
});
