import assert from "node:assert/strict";
import { callerAddress } from "./caller_address.ts";

Deno.test("callerAddress() drops the port of IPv4, IPv6 and bracketed peers", () => {
  const of = (peer: string) => callerAddress({ getPeer: () => peer });
  assert.equal(of("127.0.0.1:5000"), "127.0.0.1");
  assert.equal(of("::1:5000"), "::1");
  assert.equal(of("[::1]:5000"), "::1");
  assert.equal(of("::ffff:127.0.0.1:443"), "::ffff:127.0.0.1");
  assert.equal(of("unknown"), undefined);
  assert.equal(
    callerAddress({
      getPeer: () => {
        throw new Error("gone");
      },
    }),
    undefined,
  );
});
