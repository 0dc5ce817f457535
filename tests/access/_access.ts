/**
 * Helpers of the access scenarios: tunneler identities issued by a real cluster's CA (so a real
 * connector process admits or refuses them exactly as it would an enrolled tunneler), and one
 * tunnel opened through a real connector, answered with the bytes that came back or the refusal.
 */
import type { TLSSocket } from "node:tls";
import { concatBytes } from "../../shared/bytes.ts";
import { AgentCredentials } from "../../shared/agent/credentials.ts";
import { loadCa } from "../../shared/pki/ca.ts";
import { TrustBundle } from "../../shared/pki/bundle.ts";
import { createCsr } from "../../shared/pki/csr.ts";
import { issueSvid } from "../../shared/pki/issue.ts";
import { exportPrivateKeyPem, generateKeyPair } from "../../shared/pki/keys.ts";
import { formatSpiffeId } from "../../shared/pki/spiffe_id.ts";
import { svidFromPem } from "../../shared/pki/svid.ts";
import { dialConnector } from "../../tunneler/dialer.ts";
import { type Cluster, put } from "../agents/_cluster.ts";
import type { RunningProgram } from "../support/process.ts";
import { freePort } from "../support/ports.ts";
import { openFrame, TD } from "../agents/_fixture.ts";
import { within } from "../support/within.ts";

/** A tunneler SVID for `id`, signed by the cluster's CA. */
export async function tunnelerCreds(c: Cluster, id: string): Promise<AgentCredentials> {
  const ca = await loadCa(await Deno.readTextFile(c.caCert), await Deno.readTextFile(c.caKey));
  const keys = await generateKeyPair();
  const issued = await issueSvid(ca, {
    csrPem: await createCsr(keys),
    spiffeId: formatSpiffeId(TD, "tunneler", id),
    ttlMs: 3_600_000,
  });
  const svid = await svidFromPem(issued.certPem, await exportPrivateKeyPem(keys.privateKey));
  return new AgentCredentials(svid, TrustBundle.of([ca.certificate]));
}

/** Opens a tunnel to `destination` through connector `connectorId` at 127.0.0.1:`port`. */
export function openTunnel(
  creds: AgentCredentials,
  port: number,
  destination: string,
  connectorId = "c1",
): Promise<{ socket: TLSSocket }> {
  return dialConnector(
    { creds, trustDomain: TD, connectorId, host: "127.0.0.1", port },
    openFrame(destination),
  );
}

/**
 * Sends `text` through a tunnel to an echo server (tests/agents/_fixture.ts echoServer) and
 * half-closes: the echo plus "bye", or the connector's refusal as `refused: <message>`.
 */
export async function echoThrough(
  creds: AgentCredentials,
  port: number,
  destination: string,
  text: string,
): Promise<string> {
  let socket: TLSSocket;
  try {
    ({ socket } = await openTunnel(creds, port, destination));
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
  const chunks: Uint8Array[] = [];
  socket.on("data", (c: Uint8Array) => chunks.push(c));
  const ended = new Promise<void>((r) => socket.once("end", () => r()));
  socket.resume();
  socket.end(new TextEncoder().encode(text));
  await within(ended, 10_000, `the echo through ${destination}`);
  socket.destroy();
  return new TextDecoder().decode(concatBytes(chunks));
}

/** {@link put} of each `[path, body]` in order: fails unless each answers 200. */
export async function putAll(c: Cluster, entries: readonly (readonly [string, unknown])[]): Promise<void> {
  for (const [path, body] of entries) await put(c, path, body);
}

/**
 * Connector c1 on a free port, serving resource "db" at `dbAddress` that policy "t1-db" grants
 * tunneler t1; resolves once the connector applied that grant, with the process and its port.
 */
export async function connectorGrantingDb(
  c: Cluster,
  dbAddress: string,
): Promise<{ connector: RunningProgram; port: number }> {
  const port = freePort();
  const connector = await c.runConnector("c1", port);
  await putAll(c, [
    ["/api/admin/resources/db", { address: dbAddress, connectors: ["c1"] }],
    ["/api/admin/policies/t1-db", { tunnelers: ["t1"], resources: ["db"] }],
  ]);
  await connector.waitForLine(/configuration applied.*granted_tunnelers=1/, 5_000);
  return { connector, port };
}
