#!/usr/bin/env bash
# Builds the four programs as single binaries in dist/ with `deno compile`, each under the same
# permission set that `deno task <program>` uses (deno.json "permissions").
#
# deno compile needs the denort runtime of the same Deno version. This script finds it before it
# builds anything, in this order:
#   1. DENORT_BIN (Deno itself reads it): must be an executable file, else exit 2;
#   2. Deno's cache, $DENO_DIR/dl/release/v<version>/denort-<target>.zip;
#   3. a download from dl.deno.land, done once here by compiling a one-line probe: when it fails
#      (offline), exit 3 with the file to fetch elsewhere and the DENORT_BIN to set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
deno_bin=${DENO:-$root/node_modules/@deno/linux-x64-glibc/deno}
[ -x "$deno_bin" ] || deno_bin=$(command -v deno)
version=$("$deno_bin" --version | head -1 | cut -d' ' -f2)

if [ -n "${DENORT_BIN:-}" ]; then
  if [ ! -x "$DENORT_BIN" ]; then
    echo "DENORT_BIN=$DENORT_BIN is not an executable file: unset it to download denort, or point it at denort $version" >&2
    exit 2
  fi
else
  case "$(uname -m)" in
    x86_64) target=x86_64-unknown-linux-gnu ;;
    aarch64 | arm64) target=aarch64-unknown-linux-gnu ;;
    *) target="$(uname -m)-unknown-linux-gnu" ;;
  esac
  deno_dir=$(NO_COLOR=1 "$deno_bin" info --json | sed -n 's/^ *"denoDir": "\(.*\)",*$/\1/p')
  cached="$deno_dir/dl/release/v$version/denort-$target.zip"
  if [ ! -f "$cached" ]; then
    url="https://dl.deno.land/release/v$version/denort-$target.zip"
    echo "denort $version is not in Deno's cache ($cached): downloading $url" >&2
    probe=$(mktemp -d)
    trap 'rm -rf "$probe"' EXIT
    echo "" >"$probe/probe.ts"
    if ! (cd "$probe" && NO_COLOR=1 "$deno_bin" compile --no-config --no-check --quiet --output probe probe.ts) \
      >"$probe/log" 2>&1; then
      why=$(grep -m1 -o 'error sending request.*' "$probe/log" || tail -1 "$probe/log")
      echo "denort $version is missing: DENORT_BIN is not set, it is not in Deno's cache ($cached), and the download failed: $why" >&2
      echo "fix: on a machine with internet access fetch $url, unzip it here, and run: DENORT_BIN=\$PWD/denort deno task compile" >&2
      exit 3
    fi
  fi
fi

"$deno_bin" task bundle
mkdir -p dist
for program in controller connector tunneler ui; do
  extra=()
  [ "$program" = ui ] && extra=(--include ui/static)
  # The controller's V8 flags (controller/v8_flags.ts says why; its test keeps this line equal).
  [ "$program" = controller ] && extra=(--v8-flags=--no-memory-reducer,--max-old-space-size=512)
  "$deno_bin" compile -P="$program" "${extra[@]}" --output "dist/postern-$program" "$program/main.ts"
done
ls -l dist/
