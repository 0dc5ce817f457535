import { ConfigError } from "../../shared/config/config_error.ts";
import assert from "node:assert/strict";
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
  assert.ok(error instanceof cls, `expected ${cls.name}, got ${error}`);
  return error;
}

function randomKey(): Promise<SealingKey> {
  return SealingKey.fromBytes(crypto.getRandomValues(new Uint8Array(32)));
}

Deno.test("SealingKey seals a CA key so it no longer shows, and opens it again", async () => {
  const key = await randomKey();
  const sealed = await key.seal(PEM, CA);
  assert.ok(isSealed(sealed), sealed);
  assert.ok(!sealed.includes("PRIVATE KEY"), "the PEM shows through");
  assert.ok(!sealed.includes("MIGHAgEA"), "the key body shows through");
  assert.deepEqual(await key.open(sealed, CA), PEM);
  assert.ok((await key.seal(PEM, CA)) !== sealed, "two seals of one key share an IV");
});

Deno.test("SealingKey.open() refuses a value sealed under another key", async () => {
  const sealed = await (await randomKey()).seal(PEM, CA);
  const error = await rejection(randomKey().then((k) => k.open(sealed, CA)), SealedKeyError);
  assert.match(
    error.message,
    new RegExp(RegExp.escape(`the stored CA key of "${CA}" does not open with CA_KEY_ENCRYPTION_KEY_FILE`)),
  );
});

Deno.test("SealingKey.open() refuses an altered value, a truncated one, and one moved to another CA", async () => {
  const key = await randomKey();
  const sealed = await key.seal(PEM, CA);
  const body = sealed.slice(sealed.lastIndexOf(".") + 1);
  const flipped = sealed.slice(0, -body.length) + (body[0] === "A" ? "B" : "A") + body.slice(1);
  await assert.rejects(() => key.open(flipped, CA), SealedKeyError);
  await assert.rejects(() => key.open(sealed.slice(0, -4), CA), SealedKeyError);
  await assert.rejects(() => key.open(sealed, "sha256:other"), SealedKeyError);
  await assert.rejects(
    () => key.open(PEM, CA),
    (e) => e instanceof SealedKeyError && e.message.includes("is not sealed"),
  );
  await assert.rejects(
    () => key.open("postern-sealed-v1.!!.??", CA),
    (e) => e instanceof SealedKeyError && e.message.includes("malformed"),
  );
});

Deno.test("sealingKeyFrom() reads CA_KEY_ENCRYPTION_KEY_FILE and refuses a missing file or a wrong length", async () => {
  const dir = await Deno.makeTempDir({ prefix: "postern-sealed-" });
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const good = `${dir}/good`;
    await Deno.writeTextFile(good, btoa(String.fromCharCode(...bytes)) + "\n");
    const key = await sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: good });
    assert.ok(key);
    const again = await SealingKey.fromBytes(bytes);
    assert.deepEqual(await again.open(await key.seal(PEM, CA), CA), PEM);

    assert.deepEqual(await sealingKeyFrom({}), undefined);
    const missing = await rejection(
      sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: `${dir}/nope` }),
      ConfigError,
    );
    assert.match(
      missing.message,
      new RegExp(RegExp.escape(`CA_KEY_ENCRYPTION_KEY_FILE: cannot read "${dir}/nope"`)),
    );

    await Deno.writeTextFile(`${dir}/short`, btoa("sixteen bytes!!!"));
    const short = await rejection(
      sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: `${dir}/short` }),
      ConfigError,
    );
    assert.deepEqual(
      short.message,
      `CA_KEY_ENCRYPTION_KEY_FILE: "${dir}/short" must hold 32 random bytes in base64 (got 16 bytes): create one with \`openssl rand -base64 32\``,
    );
    await Deno.writeTextFile(`${dir}/text`, "not base64 at all!");
    const text = await rejection(sealingKeyFrom({ CA_KEY_ENCRYPTION_KEY_FILE: `${dir}/text` }), ConfigError);
    assert.match(text.message, /\(got no base64\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("requiredSealingKey() refuses a shared store without CA_KEY_ENCRYPTION_KEY_FILE", async () => {
  const error = await rejection(requiredSealingKey({}), ConfigError);
  assert.match(error.message, /CA_KEY_ENCRYPTION_KEY_FILE is required with an etcd CONTROLLER_STORE/);
});

Deno.test("sealedCaKeys() stores no clear key and refuses a clear one; PLAIN_CA_KEYS refuses a sealed one", async () => {
  const codec = sealedCaKeys(await randomKey());
  const stored = await codec.encode(PEM, CA);
  assert.ok(isSealed(stored));
  assert.deepEqual(await codec.decode(stored, CA), PEM);
  const clear = await rejection(codec.decode(PEM, CA), SealedKeyError);
  assert.match(clear.message, /is not sealed/);
  assert.deepEqual(await PLAIN_CA_KEYS.encode(PEM, CA), PEM);
  assert.deepEqual(await PLAIN_CA_KEYS.decode(PEM, CA), PEM);
  const sealed = await rejection(PLAIN_CA_KEYS.decode(stored, CA), SealedKeyError);
  assert.match(sealed.message, /CA_KEY_ENCRYPTION_KEY_FILE is not set/);
});

Deno.test("sealingKeyFor() requires the key with etcd and refuses it with Deno KV", async () => {
  const etcd = await rejection(sealingKeyFor({ kind: "etcd" }, {}), ConfigError);
  assert.match(etcd.message, /CA_KEY_ENCRYPTION_KEY_FILE is required with an etcd CONTROLLER_STORE/);
  assert.deepEqual(await sealingKeyFor({ kind: "kv" }, {}), undefined);
  const kv = await rejection(
    sealingKeyFor({ kind: "kv" }, { CA_KEY_ENCRYPTION_KEY_FILE: "/x" }),
    ConfigError,
  );
  assert.match(kv.message, /CA_KEY_ENCRYPTION_KEY_FILE is set but CONTROLLER_STORE is not etcd/);
});
