import assert from "node:assert/strict";
import { openKvStore } from "../store/kv_store.ts";
import { quietPresence } from "../presence_testing.ts";
import { connectorRecord } from "../registry/testing.ts";
import { agentListJson, agentView } from "./agent_view.ts";

Deno.test("agentListJson() is the text of JSON.stringify of the views, and follows every change of a heartbeat", async () => {
  const kv = await openKvStore(":memory:");
  try {
    let now = 1_000_000;
    const clock = () => now;
    const presence = quietPresence(kv, clock);
    const records = ["c1", "c2", "c3"].map((id) => connectorRecord(id, { certExpiresAt: 2_000_000 }));
    const expected = () => JSON.stringify(records.map((r) => agentView(presence, r)));
    assert.equal(await agentListJson(presence, records), expected());
    presence.seen("connector", "c2", { version: "2", activeSessions: 3, trustedCaFingerprints: ["ab"] });
    assert.equal(await agentListJson(presence, records), expected());
    // Each field a heartbeat carries, and the clock's next second, shows in the next listing.
    for (
      const s of [
        { activeSessions: 4 },
        { bytesIn: 10 },
        { bytesOut: 20 },
        { version: "3" },
        { trustedCaFingerprints: ["ab", "cd"] },
      ]
    ) {
      presence.seen("connector", "c2", s);
      const listed = await agentListJson(presence, records);
      assert.equal(listed, expected());
    }
    now += 1000;
    presence.seen("connector", "c2");
    assert.equal(await agentListJson(presence, records), expected());
    assert.match(await agentListJson(presence, records), /"last_seen":"1970-01-01T00:16:41Z"/);
    // A record replaced (renewed: a new certificate expiry) is rendered anew.
    records[0] = { ...records[0]!, certExpiresAt: 3_000_000 };
    assert.equal(await agentListJson(presence, records), expected());
    assert.equal(await agentListJson(presence, []), "[]");
  } finally {
    await kv.close();
  }
});

Deno.test("agentListJson() renders a long listing in slices with a turn of the event loop between them, the same text", async () => {
  const kv = await openKvStore(":memory:");
  try {
    const presence = quietPresence(kv, () => 1_000_000);
    const records = Array.from(
      { length: 1000 },
      (_, i) => connectorRecord(`c${i}`, { certExpiresAt: 2_000_000 }),
    );
    for (let i = 0; i < 1000; i += 3) presence.seen("connector", `c${i}`, { activeSessions: i });
    // A clock that moves 1 ms per reading and 1 ms slices: every 64 agents end a slice.
    let t = 0;
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      const sliced = await agentListJson(presence, records, { sliceMs: 1, now: () => t++ });
      assert.equal(sliced, JSON.stringify(records.map((r) => agentView(presence, r))));
      // 1000 agents, the clock read after every 64th: 15 turns, in each of which the timer ran.
      assert.ok(turns >= 10, `the interval timer ran ${turns} times during the listing`);
    } finally {
      clearInterval(timer);
    }
    turns = 0;
    const timer2 = setInterval(() => turns++, 0);
    try {
      await agentListJson(presence, records, { sliceMs: Infinity });
      assert.equal(turns, 0, "one slice: no turn of the event loop");
    } finally {
      clearInterval(timer2);
    }
  } finally {
    await kv.close();
  }
});
