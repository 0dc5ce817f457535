/** A Presence for tests and benchmarks: on `store`, silent, with an injected clock. */
import { createLogger } from "../shared/log/logger.ts";
import { Presence } from "./presence.ts";
import { AgentStore } from "./registry/agents.ts";
import { EventLog } from "./registry/events.ts";
import type { Store } from "./store/store.ts";

/** A Presence over `store` whose agents go OFFLINE after 30 s of `clock`, logging nothing. */
export function quietPresence(store: Store, clock: () => number): Presence {
  return new Presence({
    agents: new AgentStore(store, clock),
    events: new EventLog(store, clock),
    log: createLogger({ write: () => {} }),
    offlineAfterMs: 30_000,
    now: clock,
  });
}
