import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { echoServer, rig, roundTrip } from "./_fixture.ts";

const dec = new TextDecoder();

Deno.test("forward carries bytes both ways and the half-close reply arrives", async () => {
  const echo = await echoServer();
  const r = await rig({ forwards: `127.0.0.1:0=127.0.0.1:${echo.port}`, resources: [`127.0.0.1:${echo.port}`] });
  try {
    const got = await roundTrip(r.forwarder.ports[0]!, new TextEncoder().encode("hello"));
    assertEquals(dec.decode(got), "hellobye");
  } finally {
    await r.close();
    await echo.close();
  }
});
