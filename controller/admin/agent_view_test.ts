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
    assert.equal(agentListJson(presence, records), expected());
    presence.seen("connector", "c2", { version: "2", activeSessions: 3, trustedCaFingerprints: ["ab"] });
    assert.equal(agentListJson(presence, records), expected());
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
      const listed = agentListJson(presence, records);
      assert.equal(listed, expected());
    }
    now += 1000;
    presence.seen("connector", "c2");
    assert.equal(agentListJson(presence, records), expected());
    assert.match(agentListJson(presence, records), /"last_seen":"1970-01-01T00:16:41Z"/);
    // A record replaced (renewed: a new certificate expiry) is rendered anew.
    records[0] = { ...records[0]!, certExpiresAt: 3_000_000 };
    assert.equal(agentListJson(presence, records), expected());
    assert.equal(agentListJson(presence, []), "[]");
  } finally {
    await kv.close();
  }
});
