#!/usr/bin/env bash
# Tunnel benchmark, Postern beside the stunnel peer, in one run on this machine:
# bulk throughput (MiB up through the tunnel, MB/s) and new tunneled connections per second.
#   bash bench/run.sh [MIB] [CONNS]      (needs stunnel4 and node; everything on loopback)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mib=${1:-1024} conns=${2:-500}
deno_bin=${DENO:-$root/node_modules/@deno/linux-x64-glibc/deno}
[ -x "$deno_bin" ] || deno_bin=$(command -v deno)
echo "# $(date -u +%FT%TZ) $(nproc) cores, ${mib} MiB bulk, ${conns} connections (8 at a time)"
peer=$(bash "$here/stunnel-peer.sh" "$mib" "$conns" || true)
ours=$(cd "$root" && "$deno_bin" run -A bench/postern-tunnel.ts "$mib" "$conns")
echo "$peer"
echo "$ours"
node -e '
const rows = process.argv.slice(1).map((l) => { try { return JSON.parse(l); } catch { return { peer: "?", error: l }; } });
console.log("\n| peer | bulk MB/s | complete | conns/s | p50 ms | p99 ms | failed |");
console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  const b = r.bulk ?? {}, c = r.connrate ?? {};
  console.log(`| ${r.peer} | ${b.MBps ?? r.error ?? "-"} | ${b.complete ?? "-"} | ${c.conns_per_s ?? "-"} | ${c.p50_ms ?? "-"} | ${c.p99_ms ?? "-"} | ${c.failed ?? "-"} |`);
}' "$peer" "$ours"
