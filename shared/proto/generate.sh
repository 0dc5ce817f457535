#!/usr/bin/env bash
# Regenerates shared/proto/gen/ from the .proto files: protoc (Debian's protobuf-compiler) with
# the ts-proto plugin (npm, see package.json). Usage: generate.sh [OUT_DIR] (default: gen/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/gen}
plugin=$root/node_modules/.bin/protoc-gen-ts_proto
command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 2; }
[ -x "$plugin" ] || { echo "ts-proto plugin not found at $plugin: run npm ci" >&2; exit 2; }
mkdir -p "$out"
protoc --plugin="protoc-gen-ts_proto=$plugin" --proto_path="$here" \
  --ts_proto_out="$out" \
  --ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,importSuffix=.ts,env=node,forceLong=number,oneof=unions-value,useExactTypes=false,outputClientImpl=false,fileSuffix=_pb \
  "$here"/postern/v1/*.proto
# Deno's formatter owns layout; keep generated files byte-stable across machines.
"${DENO:-$root/node_modules/@deno/linux-x64-glibc/deno}" fmt --quiet --config "$root/deno.json" "$out" >/dev/null
