/**
 * The `backup` and `restore` subcommands: flags, files, and what they print.
 *
 * ```
 * postern-controller backup --out FILE (--key-passphrase-file F | --without-ca-key)
 * postern-controller restore --in FILE [--key-passphrase-file F]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../../shared/config/config_error.ts";
import { caSourceFrom, loadCaFrom, storeConfigFrom } from "../config.ts";
import { createLogger } from "../../shared/log/logger.ts";
import { describeStore, type StoreBackends, type StoreConfig } from "../store/open.ts";
import { type CaKeyCodec, PLAIN_CA_KEYS, sealedCaKeys, sealingKeyFor } from "../store/sealed_key.ts";
import { backupState, writeBackupFile } from "./backup.ts";
import { parseBackupFile, restoreState } from "./restore.ts";

type Env = Record<string, string | undefined>;

/** etcd, loaded only when the store names it (etcd3 reads its protobuf files as it loads). */
const BACKENDS: StoreBackends = {
  etcd: async (c) => {
    const { openEtcdStoreFromConfig, storeLog } = await import("../store/etcd_store_open.ts");
    return await openEtcdStoreFromConfig(c, { log: storeLog(createLogger()) });
  },
};

/** How `config`'s store keeps CA keys: sealed with CA_KEY_ENCRYPTION_KEY_FILE on etcd. */
async function caKeyCodecFor(config: StoreConfig, env: Env): Promise<CaKeyCodec> {
  const key = await sealingKeyFor(config, env);
  return key ? sealedCaKeys(key) : PLAIN_CA_KEYS;
}

/** Shortest passphrase `backup` accepts. */
export const MIN_PASSPHRASE = 12;

const BACKUP_USAGE =
  "backup --out FILE with --key-passphrase-file FILE (the CA keys sealed with that passphrase) or --without-ca-key (the CA keys left out; restore then needs the CA files)";

function flags(args: string[], names: string[], booleans: string[] = []) {
  try {
    return parseArgs({
      args,
      options: Object.fromEntries([
        ...names.map((n) => [n, { type: "string" as const }]),
        ...booleans.map((n) => [n, { type: "boolean" as const }]),
      ]),
      allowPositionals: false,
      strict: true,
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}`);
  }
}

/** Reads a passphrase file (one trailing newline removed); ConfigError naming the file. */
export async function readPassphrase(path: string, minLength = 1): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      `cannot read --key-passphrase-file "${path}": ${(e as Error).message}: check the path`,
    );
  }
  const passphrase = text.replace(/\r?\n$/, "");
  if (passphrase.length < minLength) {
    throw new ConfigError(
      `--key-passphrase-file "${path}" holds ${passphrase.length} characters: use at least ${minLength} (e.g. openssl rand -base64 32 > FILE)`,
    );
  }
  return passphrase;
}

/** `backup`: returns the exit code. */
export async function backupCommand(args: string[], env: Env): Promise<number> {
  const v = flags(args, ["out", "key-passphrase-file"], ["without-ca-key"]);
  const out = v["out"];
  if (typeof out !== "string" || out === "") {
    throw new ConfigError(`backup needs --out FILE: ${BACKUP_USAGE}`);
  }
  const pass = v["key-passphrase-file"];
  const omit = v["without-ca-key"] === true;
  if (typeof pass === "string" && omit) {
    throw new ConfigError(`--key-passphrase-file and --without-ca-key exclude each other: ${BACKUP_USAGE}`);
  }
  if (typeof pass !== "string" && !omit) {
    throw new ConfigError(`backup must be told what to do with the CA private key: ${BACKUP_USAGE}`);
  }
  const caKeys = omit
    ? "omit" as const
    : { passphrase: await readPassphrase(pass as string, MIN_PASSPHRASE) };
  const config = storeConfigFrom(env);
  const caKeyCodec = await caKeyCodecFor(config, env);
  const file = await backupState({ config, caKeys, backends: BACKENDS, caKeyCodec });
  await writeBackupFile(out, file);
  console.log(
    `wrote ${out}: ${file.entries.length} entries (${
      file.prefixes.join(", ")
    }), taken at ${file.taken_at}, CA keys ${omit ? "left out" : "sealed"}`,
  );
  return 0;
}

/** `restore`: returns the exit code. */
export async function restoreCommand(args: string[], env: Env): Promise<number> {
  const v = flags(args, ["in", "key-passphrase-file"]);
  const path = v["in"];
  if (typeof path !== "string" || path === "") {
    throw new ConfigError("restore needs --in FILE (a file written by backup)");
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(`cannot read backup file "${path}": ${(e as Error).message}: check the path`);
  }
  const file = parseBackupFile(text, path);
  const pass = v["key-passphrase-file"];
  let caKeys;
  if (typeof pass === "string") {
    caKeys = { passphrase: await readPassphrase(pass) };
  } else {
    if (!env.INTERNAL_CA_KEY && !env.INTERNAL_CA_KEY_FILE) {
      throw new ConfigError(
        `restore needs the CA keys: give --key-passphrase-file FILE (backup sealed them${
          file.ca_keys === "omitted" ? "; not this one, it was taken --without-ca-key" : ""
        }) or configure the CA in INTERNAL_CA_CERT_FILE and INTERNAL_CA_KEY_FILE`,
      );
    }
    const source = await caSourceFrom(env);
    caKeys = { configured: await loadCaFrom(source), keyPem: source.keyPem };
  }
  const config = storeConfigFrom(env);
  const caKeyCodec = await caKeyCodecFor(config, env);
  const res = await restoreState({ config, file, caKeys, backends: BACKENDS, caKeyCodec });
  const into = config.kind === "kv" ? config.stateDir : describeStore(config);
  console.log(`restored ${res.entries} entries from ${path} (taken at ${file.taken_at}) into ${into}`);
  if (res.keylessCas.length > 0) {
    console.error(
      `warning: no key for CA ${
        res.keylessCas.join(", ")
      }: it is no longer trusted; agents with its certificates enroll again`,
    );
  }
  return 0;
}
