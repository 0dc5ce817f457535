/** Registry records for tests. */
import type { AgentRecord } from "./types.ts";

/** A connector record `id` (enrolled at 0, certificate expiring at 1) with `extra` on top. */
export function connectorRecord(id: string, extra: Partial<AgentRecord> = {}): AgentRecord {
  return {
    role: "connector",
    id,
    spiffeId: `spiffe://postern.internal/connector/${id}`,
    privateIp: "10.0.0.1",
    version: "1",
    connectorId: "",
    enrolledAt: 0,
    certExpiresAt: 1,
    certificates: [{ serial: "aa", notAfter: 1 }],
    ...extra,
  };
}
