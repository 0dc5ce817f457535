/**
 * The local forward the admin commands suggest for a destination: `127.0.0.1:<port + 10000>`
 * (`db.internal:5432` → `127.0.0.1:15432=db.internal:5432`, as in the contract's example), or
 * `port - 10000` above 55535, so that the local side never takes the destination's own port.
 * @module
 */

/**
 * `127.0.0.1:<port ± 10000>=dest` for a `host:port` destination; undefined for a CIDR range or a
 * `*.` wildcard. With `name`, the forward names that resource (`127.0.0.1:15432=db`) and `dest`
 * is its address.
 */
export function suggestedForward(dest: string, name?: string): string | undefined {
  const m = /^(.*):(\d+)$/.exec(dest);
  if (!m || m[1]!.includes("/") || m[1]!.startsWith("*.")) return undefined;
  const port = Number(m[2]);
  const local = port + 10_000 <= 65_535 ? port + 10_000 : port - 10_000;
  return `127.0.0.1:${local}=${name ?? dest}`;
}
