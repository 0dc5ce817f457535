import { ConfigError } from "../../shared/config/config_error.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../tests/support/assert.ts";
import {
  isSealed,
  PLAIN_CA_KEYS,
  requiredSealingKey,
  sealedCaKeys,
  SealedKeyError,
  SealingKey,
  sealingKeyFor,
  sealingKeyFrom,
} from "./sealed_key.ts";

const PEM =
  "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
const CA = "sha256:ab12";

/** The error `promise` rejects with, checked to be a `cls`. */
async function rejection<E extends Error>(
  promise: Promise<unknown>,
  cls: new (...a: never[]) => E,
): Promise<E> {
  const error = await promise.then(() => null, (e: unknown) => e);
  assert(error instanceof cls, `expected ${cls.name}, got ${error}`);
  return error;
}

function randomKey(): Promise<SealingKey> {
  return SealingKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)));
}

Deno.test("SealingKey seals a CA key so it no longer shows, and opens it again", async () => {
  const key = await randomKey();
  const sealed = await key.seal(PEM, CA);
  assert(isSealed(sealed), sealed);
  assert(!sealed.includes("PRIVATE KEY"), "the PEM shows through");
  assert(!sealed.includes("MIGHAgEA"), "the key body shows through");
  assertEquals(await key.open(sealed, CA), PEM);
  assert((await key.seal(PEM, CA)) !== sealed, "two seals of one key share an IV");
});

Deno.test("SealingKey.open() refuses a value sealed under another key", async () => {
  const sealed = await (await randomKey()).seal(PEM, CA);
  const error = await rejection(randomKey().then((k) => k.open(sealed, CA)), SealedKeyError);
  assertStringIncludes(
    error.message,
    `the stored CA key of "${CA}" does not open with CA_KEY_ENCRYPTION_KEY_FILE`,
  );
});

Deno.test("SealingKey.open() refuses an altered value, a truncated one, and one moved to another CA", async () => {
  const key = await randomKey();
  const sealed = await key.seal(PEM, CA);
  const body = sealed.slice(sealed.lastIndexOf(".") + 1);
  const flipped = sealed.slice(0, -body.length) + (body[0] === "A" ? "B" : "A") + body.slice(1);
  await assertRejects(() => key.open(flipped, CA), SealedKeyError);
  await assertRejects(() => key.open(sealed.slice(0, -4), CA), SealedKeyError);
  await assertRejects(() => key.open(sealed, "sha256:other"), SealedKeyError);
  await assertRejects(() => key.open(PEM, CA), SealedKeyError, "is not sealed");
  await assertRejects(() => key.open("postern-sealed-v1.!!.??", CA), SealedKeyError, "malformed");
});

Deno.test("sealingKeyFrom() reads CA_KEY_ENCRYPTION_KEY_FILE and refuses a missing file or a wrong length", async () => {
  const dir = await Deno.makeTempDir({ prefix: "postern-sealed-" });
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const good = `${dir}/good`;
    await Deno.writeTextFile(good, btoa(String.fromCharCode(...bytes)) + "\n");
    const key = await sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: good });
    assert(key);
    const again = await SealingKey.fromBytes(bytes);
    assertEquals(await again.open(await key.seal(PEM, CA), CA), PEM);

    assertEquals(await sealingKeyFrom({}), undefined);
    const missing = await rejection(
      sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: `${dir}/nope` }),
      ConfigError,
    );
    assertStringIncludes(missing.message, `CA_KEY_ENCRYPTION_KEY_FILE: cannot read "${dir}/nope"`);

    await Deno.writeTextFile(`${dir}/short`, btoa("sixteen bytes!!!"));
    const short = await rejection(
      sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: `${dir}/short` }),
      ConfigError,
    );
    assertEquals(
      short.message,
      `CA_KEY_ENCRYPTION_KEY_FILE: "${dir}/short" must hold 32 random bytes in base64 (got 16 bytes): create one with \`openssl rand -base64 32\``,
    );
    await Deno.writeTextFile(`${dir}/text`, "not base64 at all!");
    const text = await rejection(sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: `${dir}/text` }), ConfigError);
    assertStringIncludes(text.message, "(got no base64)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("requiredSealingKey() refuses a shared store without CA_KEY_ENCRYPTION_KEY_FILE", async () => {
  const error = await rejection(requiredSealingKey({}), ConfigError);
  assertStringIncludes(error.message, "CA_KEY_ENCRYPTION_KEY_FILE is required with an etcd CONTROLLER_STORE");
});

Deno.test("sealedCaKeys() stores no clear key and refuses a clear one; PLAIN_CA_KEYS refuses a sealed one", async () => {
  const codec = sealedCaKeys(await randomKey());
  const stored = await codec.encode(PEM, CA);
  assert(isSealed(stored));
  assertEquals(await codec.decode(stored, CA), PEM);
  const clear = await rejection(codec.decode(PEM, CA), SealedKeyError);
  assertStringIncludes(clear.message, "is not sealed");
  assertEquals(await PLAIN_CA_KEYS.encode(PEM, CA), PEM);
  assertEquals(await PLAIN_CA_KEYS.decode(PEM, CA), PEM);
  const sealed = await rejection(PLAIN_CA_KEYS.decode(stored, CA), SealedKeyError);
  assertStringIncludes(sealed.message, "CA_KEY_ENCRYPTION_KEY_FILE is not set");
});

Deno.test("sealingKeyFor() requires the key with etcd and refuses it with Deno KV", async () => {
  const etcd = await rejection(sealingKeyFor({ kind: "etcd" }, {}), ConfigError);
  assertStringIncludes(etcd.message, "CA_KEY_ENCRYPTION_KEY_FILE is required with an etcd CONTROLLER_STORE");
  assertEquals(await sealingKeyFor({ kind: "kv" }, {}), undefined);
  const kv = await rejection(
    sealingKeyFor({ kind: "kv" }, { CA_KEY_ENCRYPTION_KEY_FILE: "/x" }),
    ConfigError,
  );
  assertStringIncludes(kv.message, "CA_KEY_ENCRYPTION_KEY_FILE is set but CONTROLLER_STORE is not etcd");
});
