/**
 * The runtime workarounds have one seam: program code creates TLS servers and connections through
 * shared/repairs (which always applies the flow repair), installs the HTTP/2 repair through
 * installHttp2Repairs(), and reaches into runtime or grpc-js internals nowhere else. A bare
 * `tls.createServer(` in a new data-path file would silently lose backpressure; this finds it.
 * (doctor probes only complete a handshake and carry no data: they may use node:tls directly.)
 */
import assert from "node:assert/strict";
import { sourceLinesMatching } from "../../tests/support/sources.ts";

const SKIP = [
  /_test\.ts$/,
  /\/testing[^/]*\.ts$/,
  /^shared\/repairs\//,
  /^shared\/proto\/gen\//,
  /\/doctor[^/]*\.ts$/,
];
const BYPASS =
  /\btls\.(createServer|connect)\(|\brepairTlsFlow\(|\brepairHttp2SessionDestroy\(|\b_handle\b|\bcreateHttp2Server\b|\.nextCall\b/;

Deno.test("program code applies the runtime repairs only through shared/repairs", async () => {
  assert.deepEqual(await sourceLinesMatching(BYPASS, SKIP), []);
});
