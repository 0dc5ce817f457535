/**
 * The one access decision of a connector, from what the controller pushed: its allowlist, its own
 * resources list (for allowlisted tunnelers) and the compiled grants (`views.ts`). `admit()` says
 * whether a tunneler may open a session at all; `allow()` whether a destination may be dialed, and
 * which; `stillAllows()` re-decides a live tunnel after a change without a new DNS lookup.
 * @module
 */
import { lookup } from "node:dns/promises";
import { formatIp } from "../net/ip.ts";
import { type Address, destinationBytes, dialTarget, parseAddress, splitDestination } from "./address.ts";
import { type Destination, probeOf, RuleSet } from "./rules.ts";
import { namesResource } from "./model.ts";
import type { ConnectorGrants } from "./views.ts";

/** Why a tunnel was refused (the `reason` of a `tunnel.refused` event). */
export type RefusalReason = "not_allowed" | "no_grant" | "resource_refused" | "dial_failed";

/** Resolves host names; injected in tests. */
export type Resolver = (host: string) => Promise<string[]>;

/** The resolver of the system. */
export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true })).map((a) => a.address);

/** A destination that may be dialed. */
export interface Allowed {
  ok: true;
  /** The checked address to dial (never the name again). */
  host: string;
  port: number;
  /** The granted resource that admitted it; undefined when the connector's own list did. */
  resource?: string;
  /** What was decided on, for {@link ConnectorAccess.stillAllows}. */
  destination: Destination;
  /** The destination named this resource, which had this address. */
  named?: { name: string; address: string };
}

/** A refused destination. */
export interface Refused {
  ok: false;
  reason: RefusalReason;
  error: string;
}

/** What the controller pushed to one connector. */
export interface AccessInput {
  allowedTunnelers: readonly string[];
  /** The connector's own resources list (`host:port`, `cidr:port`): for allowlisted tunnelers. */
  resources: readonly string[];
  /** The compiled grants (`compileConnector`); missing: none. */
  granted?: ConnectorGrants;
}

/** One grant (a policy): its resources, indexed. Shared by every tunneler it names. */
interface Held {
  rules: RuleSet<string>;
  /** Resources by name, for destinations that name one. */
  byName: Map<string, Address>;
}

/** The decision of one connector; immutable, replaced on each configuration. */
export class ConnectorAccess {
  readonly #allowed: ReadonlySet<string>;
  readonly #own = new RuleSet<undefined>();
  /** Per tunneler, the grants that name it. */
  readonly #granted = new Map<string, Held[]>();
  readonly #resolve: Resolver;
  /** Entries that could not be parsed (logged by the caller, never matched). */
  readonly invalid: string[] = [];

  constructor(input: AccessInput, resolve: Resolver = systemResolver) {
    this.#resolve = resolve;
    this.#allowed = new Set(input.allowedTunnelers);
    for (const text of input.resources) {
      const a = this.#parse(text);
      if (a) this.#own.add(a, undefined);
    }
    const table = (input.granted?.resources ?? []).map((r) => ({
      name: r.name,
      address: this.#parse(r.address, r.name),
    }));
    for (const g of input.granted?.grants ?? []) {
      const held: Held = { rules: new RuleSet(), byName: new Map() };
      for (const i of g.resources) {
        const r = table[i];
        if (!r?.address) continue;
        held.rules.add(r.address, r.name);
        held.byName.set(r.name, r.address);
      }
      if (held.byName.size === 0) continue;
      for (const t of g.tunnelers) {
        const list = this.#granted.get(t);
        if (list) list.push(held);
        else this.#granted.set(t, [held]);
      }
    }
  }

  #parse(text: string, name?: string): Address | undefined {
    try {
      return parseAddress(text);
    } catch (e) {
      this.invalid.push(name ? `resource "${name}": ${(e as Error).message}` : (e as Error).message);
      return undefined;
    }
  }

  /** Whether the tunneler may hold a session: its allowlist names it or it holds a grant here. */
  admit(tunnelerId: string): boolean {
    return this.#allowed.has(tunnelerId) || this.#granted.has(tunnelerId);
  }

  /** Tunnelers holding a grant on this connector. */
  get grantedTunnelers(): number {
    return this.#granted.size;
  }

  /**
   * Decides a destination (`host:port`, or the name of a granted resource) for a tunneler. A host
   * name is resolved once; a name rule admits the name's own addresses, CIDR rules must hold every
   * address; the first checked address is what to dial.
   */
  async allow(tunnelerId: string, destination: string): Promise<Allowed | Refused> {
    const refuse = (reason: RefusalReason, error = `resource not allowed: "${destination}"`): Refused => ({
      ok: false,
      reason,
      error,
    });
    if (!this.admit(tunnelerId)) return refuse("not_allowed", "tunneler not allowed");
    const held = this.#granted.get(tunnelerId);
    // Refused by everything that applies: no_grant when the tunneler holds grants here.
    const denied = () => refuse(held ? "no_grant" : "resource_refused");
    const byName = (name: string) => {
      for (const h of held ?? []) {
        const a = h.byName.get(name);
        if (a) return a;
      }
      return undefined;
    };
    let target: { host: string; port: number } | undefined;
    let named: { name: string; address: string } | undefined;
    if (namesResource(destination)) {
      const a = byName(destination);
      if (!a) return denied();
      target = dialTarget(a);
      if (!target) {
        return refuse("resource_refused", `resource "${destination}" has no single address to dial`);
      }
      named = { name: destination, address: a.text };
    } else {
      target = splitDestination(destination);
      if (!target) return denied();
    }
    const own = this.#allowed.has(tunnelerId) && this.#own.hasPort(target.port);
    if (!own && !held?.some((h) => h.rules.hasPort(target.port))) return denied();
    const literal = destinationBytes(target.host);
    let dest: Destination;
    if (literal) dest = { port: target.port, addresses: [literal] };
    else {
      const name = target.host.replace(/\.$/, "");
      let resolved: string[];
      try {
        resolved = await this.#resolve(name);
      } catch (e) {
        return refuse("dial_failed", `cannot resolve "${destination}": ${(e as Error).message}`);
      }
      if (resolved.length === 0) {
        return refuse("dial_failed", `cannot resolve "${destination}": no addresses`);
      }
      const bytes = resolved.map(destinationBytes);
      // An address that is no IP at all can never be checked: refuse rather than dial a name.
      if (bytes.some((b) => b === undefined)) return denied();
      dest = { port: target.port, name, addresses: bytes as Uint8Array[] };
    }
    const decided = named ? { resource: named.name } : this.#decide(tunnelerId, dest);
    if (!decided) return denied();
    return {
      ok: true,
      host: formatIp(dest.addresses[0]!),
      port: dest.port,
      ...(decided.resource !== undefined ? { resource: decided.resource } : {}),
      destination: dest,
      ...(named ? { named } : {}),
    };
  }

  /**
   * Whether a tunnel decided earlier (by this or an older configuration) is still allowed: the
   * tunneler is still admitted and its destination still matches; a tunnel that named a resource
   * stays only while that resource is granted with the same address.
   */
  stillAllows(tunnelerId: string, allowed: Pick<Allowed, "destination" | "named">): boolean {
    if (!this.admit(tunnelerId)) return false;
    if (allowed.named) {
      const { name, address } = allowed.named;
      return this.#granted.get(tunnelerId)?.some((h) => h.byName.get(name)?.text === address) ?? false;
    }
    return this.#decide(tunnelerId, allowed.destination) !== undefined;
  }

  #decide(tunnelerId: string, dest: Destination): { resource?: string } | undefined {
    const probe = probeOf(dest);
    for (const h of this.#granted.get(tunnelerId) ?? []) {
      const granted = h.rules.match(probe);
      if (granted) return { resource: granted.label };
    }
    if (this.#allowed.has(tunnelerId) && this.#own.match(probe)) return {};
    return undefined;
  }
}
