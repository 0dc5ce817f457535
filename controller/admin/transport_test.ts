import assert from "node:assert/strict";
import { isLoopbackIp, isLoopbackListenHost, mayCarryCaKey } from "./transport.ts";

const tcp = (hostname: string): Deno.NetAddr => ({ transport: "tcp", hostname, port: 40000 });

Deno.test("isLoopbackIp() accepts 127.0.0.0/8, ::1 and IPv4-mapped 127.x only", () => {
  for (
    const h of ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]
  ) {
    assert.equal(isLoopbackIp(h), true, h);
  }
  for (
    const h of [
      "10.0.0.1",
      "128.0.0.1",
      "0.0.0.0",
      "::",
      "::2",
      "::ffff:10.0.0.1",
      "fe80::1",
      "localhost",
      "",
      "1.2.3",
    ]
  ) {
    assert.equal(isLoopbackIp(h), false, h);
  }
});

Deno.test("isLoopbackListenHost() treats an empty host and 0.0.0.0 as every interface", () => {
  assert.equal(isLoopbackListenHost("127.0.0.1"), true);
  assert.equal(isLoopbackListenHost("localhost"), true);
  assert.equal(isLoopbackListenHost("::1"), true);
  assert.equal(isLoopbackListenHost(""), false);
  assert.equal(isLoopbackListenHost("0.0.0.0"), false);
  assert.equal(isLoopbackListenHost("::"), false);
  assert.equal(isLoopbackListenHost("10.1.2.3"), false);
});

Deno.test("mayCarryCaKey() allows HTTPS from anywhere and plain HTTP from loopback peers only", () => {
  assert.equal(mayCarryCaKey({ tls: true, remoteAddr: tcp("10.0.0.7") }), true);
  assert.equal(mayCarryCaKey({ tls: false, remoteAddr: tcp("127.0.0.1") }), true);
  assert.equal(mayCarryCaKey({ tls: false, remoteAddr: tcp("::1") }), true);
  assert.equal(mayCarryCaKey({ tls: false, remoteAddr: tcp("::ffff:127.0.0.1") }), true);
  assert.equal(mayCarryCaKey({ tls: false, remoteAddr: tcp("10.0.0.7") }), false);
  assert.equal(mayCarryCaKey({ tls: false, remoteAddr: tcp("::ffff:10.0.0.7") }), false);
  assert.equal(mayCarryCaKey({ tls: false, remoteAddr: tcp("192.168.1.1") }), false);
});
