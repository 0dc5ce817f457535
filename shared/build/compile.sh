#!/usr/bin/env bash
# Builds the four programs as single binaries in dist/ with `deno compile`, each under the same
# permission set that `deno task <program>` uses (deno.json "permissions").
# deno compile needs the denort runtime: on a connected machine Deno downloads it; offline, point
# DENORT_BIN at a denort binary of the same Deno version (Deno itself reads DENORT_BIN).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
deno_bin=${DENO:-$root/node_modules/@deno/linux-x64-glibc/deno}
[ -x "$deno_bin" ] || deno_bin=$(command -v deno)
if [ -n "${DENORT_BIN:-}" ] && [ ! -x "$DENORT_BIN" ]; then
  echo "DENORT_BIN=$DENORT_BIN is not an executable file: unset it to download denort, or point it at denort $("$deno_bin" --version | head -1 | cut -d' ' -f2)" >&2
  exit 2
fi
"$deno_bin" task bundle
mkdir -p dist
for program in controller connector tunneler ui; do
  include=()
  [ "$program" = ui ] && include=(--include ui/static)
  "$deno_bin" compile -P="$program" "${include[@]}" --output "dist/postern-$program" "$program/main.ts"
done
ls -l dist/
