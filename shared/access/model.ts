/**
 * The access model: named resources (an address and the connectors that serve them), groups of
 * tunnelers, and policies that grant groups and tunnelers resources. Deny by default. This file
 * holds the shapes and their validation (the admin API answers 400 with these messages); the
 * decisions are in `views.ts` (controller) and `decision.ts` (connector), both from the same model.
 * @module
 */
import { isSingle, parseAddress } from "./address.ts";

/** A named resource. */
export interface Resource {
  name: string;
  /** `host:port`, `cidr:port` or `dns-name:port` (`*.` allowed), as given. */
  address: string;
  /** Connector ids that serve it. */
  connectors: string[];
  note?: string;
}

/** A group of tunnelers. */
export interface Group {
  name: string;
  tunnelers: string[];
}

/** A grant: these groups and tunnelers may reach these resources (names that may not exist yet). */
export interface Policy {
  name: string;
  groups: string[];
  tunnelers: string[];
  resources: string[];
}

/** Everything the decisions read. */
export interface AccessModel {
  resources: readonly Resource[];
  groups: readonly Group[];
  policies: readonly Policy[];
}

/** Bad input to the model; the admin API answers 400 with the message. */
export class AccessValidationError extends TypeError {
  override name = "AccessValidationError";
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks a name of an agent, resource, group or policy (the id charset).
 * @throws {AccessValidationError} `invalid <what> "<name>": use 1-64 characters ...`
 */
export function validateName(what: string, name: unknown): string {
  if (typeof name !== "string" || !ID.test(name) || name.includes("..")) {
    throw new AccessValidationError(
      `invalid ${what} ${
        JSON.stringify(name)
      }: use 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  return name;
}

/** Whether a tunnel destination names a resource (an id, no port) rather than `host:port`. */
export function namesResource(destination: string): boolean {
  return ID.test(destination) && !destination.includes("..");
}

function object(what: string, body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AccessValidationError(`${what} must be a JSON object with ${fields.join(", ")}`);
  }
  for (const k of Object.keys(body)) {
    if (!fields.includes(k)) {
      throw new AccessValidationError(`unknown field "${k}" in ${what}: use ${fields.join(", ")}`);
    }
  }
  return body as Record<string, unknown>;
}

function names(what: string, field: string, value: unknown, required: boolean): string[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) throw new AccessValidationError(`${what}: "${field}" must be a list of names`);
  return [...new Set(value.map((v) => validateName(field.replace(/s$/, ""), v)))].sort();
}

/**
 * A resource from an admin request body `{address, connectors, note?}`.
 * @throws {AccessValidationError} naming the bad field or value
 */
export function parseResource(name: string, body: unknown): Resource {
  validateName("resource", name);
  const b = object("resource", body, ["address", "connectors", "note"]);
  if (typeof b.address !== "string") {
    throw new AccessValidationError(`resource "${name}": "address" is required`);
  }
  try {
    parseAddress(b.address);
  } catch (e) {
    throw new AccessValidationError(`resource "${name}": ${(e as Error).message}`);
  }
  if (b.note !== undefined && typeof b.note !== "string") {
    throw new AccessValidationError(`resource "${name}": "note" must be a string`);
  }
  const out: Resource = {
    name,
    address: b.address,
    connectors: names("resource", "connectors", b.connectors, true),
  };
  if (typeof b.note === "string") out.note = b.note.slice(0, 512);
  return out;
}

/**
 * A group from `{tunnelers}`.
 * @throws {AccessValidationError} naming the bad field or value
 */
export function parseGroup(name: string, body: unknown): Group {
  validateName("group", name);
  const b = object("group", body, ["tunnelers"]);
  return { name, tunnelers: names("group", "tunnelers", b.tunnelers, true) };
}

/**
 * A policy from `{groups?, tunnelers?, resources}`; it may name groups and resources that do not
 * exist yet (they grant nothing until they do).
 * @throws {AccessValidationError} naming the bad field or value
 */
export function parsePolicy(name: string, body: unknown): Policy {
  validateName("policy", name);
  const b = object("policy", body, ["groups", "tunnelers", "resources"]);
  return {
    name,
    groups: names("policy", "groups", b.groups, false),
    tunnelers: names("policy", "tunnelers", b.tunnelers, false),
    resources: names("policy", "resources", b.resources, true),
  };
}

/** Whether a tunnel may name this resource as its destination (one address, not a CIDR or `*.`). */
export function hasSingleAddress(r: Pick<Resource, "address">): boolean {
  try {
    return isSingle(parseAddress(r.address));
  } catch {
    return false;
  }
}
