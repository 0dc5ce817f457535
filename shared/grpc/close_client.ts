import type { Client } from "@grpc/grpc-js";

/**
 * How long a client waits after its last call ended before it closes the channel.
 *
 * Closing sends HTTP/2 GOAWAY. Deno 2.9's node:http2 aborts the whole *server* process when a
 * GOAWAY arrives while a stream that just ended is still on nghttp2's closed list (upstream:
 * "Deno crashes inside nghttp2 when a GOAWAY closes ... session", assertion
 * `stream->closed_next == NULL` in find_stream_on_goaway_func). Letting the server finish the
 * stream first keeps agents from crashing the controller when they stop, reconnect or finish a
 * one-shot Enroll/Renew.
 */
export const CLOSE_GRACE_MS = 300;

/** Closes `client` after CLOSE_GRACE_MS; resolves once it is closed. */
export async function closeClientGently(
  client: Pick<Client, "close">,
  graceMs = CLOSE_GRACE_MS,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, graceMs));
  client.close();
}
