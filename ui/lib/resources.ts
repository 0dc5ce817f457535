/** Validation of connector resources: `host:port` or `cidr:port`. */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(":")) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

function isHostname(text: string): boolean {
  const name = text.replace(/\.$/, "");
  return name.length > 0 && name.length <= 253 && name.split(".").every((l) => LABEL.test(l)) &&
    !/^\d+$/.test(name.split(".").at(-1)!);
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** Undefined when `entry` is a valid `host:port`, `[v6]:port` or `cidr:port`, else the reason. */
export function resourceError(entry: string): string | undefined {
  const match = /^(?:\[([^\]]+)\]|(.+)):([^:]+)$/.exec(entry);
  if (!match) return `invalid resource "${entry}": use host:port or cidr:port, e.g. db.internal:5432`;
  const host = match[1] ?? match[2]!;
  const port = match[3]!;
  if (!isPort(port)) return `invalid resource "${entry}": port must be 1-65535`;
  const slash = host.indexOf("/");
  if (slash >= 0) {
    const ip = host.slice(0, slash);
    const prefix = host.slice(slash + 1);
    const max = isIpv4(ip) ? 32 : isIpv6(ip) ? 128 : -1;
    if (max < 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
      return `invalid resource "${entry}": the CIDR must be an IP address and a prefix length, e.g. 10.0.0.0/24:5432`;
    }
    return undefined;
  }
  if (match[1] !== undefined ? isIpv6(host) : isIpv4(host) || isHostname(host)) return undefined;
  return `invalid resource "${entry}": "${host}" is not a host name or IP address`;
}

/** Splits textarea input into entries (one per line or comma-separated) and validates each. */
export function parseResources(text: string): { resources: string[]; errors: string[] } {
  const resources = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  const errors = resources.map(resourceError).filter((e): e is string => e !== undefined);
  return { resources: [...new Set(resources)], errors };
}
