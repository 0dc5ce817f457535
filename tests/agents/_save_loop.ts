/**
 * A test program for identity_crash_test.ts: saves two identities into one state directory,
 * alternating, with a trust-bundle save between them, until it is killed. Prints `looping` before
 * the first save and `saved <n>` after each.
 *
 * Usage: deno run -A tests/agents/_save_loop.ts <state dir> <identities.json>
 * where identities.json is `[{cert_pem, key_pem, bundle_pem, meta}, …]`.
 */
import { IdentityStore } from "../../shared/agent/identity_store.ts";
import { TrustBundle } from "../../shared/pki/bundle.ts";
import { svidFromPem } from "../../shared/pki/svid.ts";

const [dir, file] = Deno.args;
if (!dir || !file) throw new Error("usage: _save_loop.ts <state dir> <identities.json>");
const raw = JSON.parse(await Deno.readTextFile(file)) as {
  cert_pem: string;
  key_pem: string;
  bundle_pem: string;
  // deno-lint-ignore no-explicit-any
  meta: any;
}[];
const identities = await Promise.all(raw.map(async (r) => ({
  svid: await svidFromPem(r.cert_pem, r.key_pem),
  bundle: TrustBundle.fromPem(r.bundle_pem),
  meta: r.meta,
})));
const store = new IdentityStore(dir);
console.log("looping");
for (let n = 0;; n++) {
  const identity = identities[n % identities.length]!;
  await store.save(identity);
  await store.saveBundle(identities[(n + 1) % identities.length]!.bundle);
  console.log(`saved ${n}`);
}
