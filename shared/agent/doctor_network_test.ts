import assert from "node:assert/strict";
import { clockFinding } from "./doctor_network.ts";

Deno.test("clockFinding() fails a clock behind the controller certificate's notBefore or past its notAfter", () => {
  const notBefore = Date.parse("2026-12-01T10:00:00Z");
  const notAfter = Date.parse("2026-12-01T11:00:00Z");
  const at = (iso: string) => clockFinding("clock", notBefore, notAfter, Date.parse(iso));
  assert.deepEqual(at("2026-12-01T10:30:00Z").ok, true);
  assert.deepEqual(at("2026-12-01T09:58:00Z"), {
    ok: false,
    id: "clock",
    what: "clock: at least 120 s behind",
    remedy: "synchronise this host's clock (NTP): certificates are checked against it",
  });
  assert.deepEqual(at("2026-12-01T11:00:30Z").what, "clock: at least 30 s ahead");
  assert.deepEqual(at("2026-12-01T11:00:30Z").ok, false);
});
