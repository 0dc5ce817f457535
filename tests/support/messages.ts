/** Control-plane messages that tests and benchmarks send as a connector would. */

/** A connector's heartbeat on the control stream: `version`, `privateIp`, zero counters, no CA fingerprints. */
export function connectorHeartbeat(version: string, privateIp = "10.0.0.5") {
  return {
    body: {
      $case: "heartbeat" as const,
      value: {
        version,
        privateIp,
        certNotAfterUnixMs: 0,
        bytesIn: 0,
        bytesOut: 0,
        activeSessions: 0,
        goodbye: false,
        trustedCaFingerprints: [],
      },
    },
  };
}
