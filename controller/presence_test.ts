import { createLogger } from "../shared/log/logger.ts";
import { assertEquals } from "./_assert_test_util.ts";
import { Presence } from "./presence.ts";
import { AgentStore } from "./registry/agents.ts";
import { EventLog } from "./registry/events.ts";
import type { AgentRecord } from "./registry/types.ts";

Deno.test("Presence goes ONLINE on a heartbeat, OFFLINE after offlineAfterMs, and writes KV at a bounded rate", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let now = 1_000_000;
    const clock = () => now;
    const agents = new AgentStore(kv, clock);
    const events = new EventLog(kv, clock);
    const record: AgentRecord = {
      role: "connector",
      id: "c1",
      spiffeId: "spiffe://postern.internal/connector/c1",
      privateIp: "10.0.0.1",
      version: "1",
      connectorId: "",
      enrolledAt: now,
      certExpiresAt: now + 3_600_000,
      serials: ["aa"],
    };
    await kv.set(["agents", "connector", "c1"], record);
    let writes = 0;
    const counting = new Proxy(agents, {
      get(target, prop) {
        if (prop === "update") {
          return (...a: Parameters<AgentStore["update"]>) => {
            writes++;
            return target.update(...a);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const p = new Presence({
      agents: counting,
      events,
      log: createLogger({ write: () => {} }),
      offlineAfterMs: 1000,
      persistEveryMs: 5000,
      now: clock,
    });
    for (let i = 0; i < 20; i++) {
      p.seen("connector", "c1", { version: "2" });
      now += 100;
      await p.sweep();
    }
    assertEquals(p.view(record).status, "ONLINE");
    assertEquals(writes, 1); // 20 heartbeats over 2 s: one write (first sweep), the next is due after 5 s
    now += 1000;
    await p.sweep();
    assertEquals(p.view(record).status, "OFFLINE");
    assertEquals(writes, 2); // transition persisted
    p.seen("connector", "c1");
    assertEquals(p.view(record).status, "ONLINE");
    await new Promise((r) => setTimeout(r, 10));
    const kinds = (await events.list()).map((e) => e.kind).reverse();
    assertEquals(kinds, ["connector.online", "connector.offline", "connector.online"]);
    assertEquals((await agents.get("connector", "c1"))?.version, "2");
  } finally {
    kv.close();
  }
});
