#!/usr/bin/env bash
# bench.sh: runs every benchmark and prints its numbers. Benchmarks never
# pass or fail on time. Native benchmark binaries are build/native/bench/*_bench.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build.sh native wasm
for b in build/native/bench/*_bench; do
  [ -x "$b" ] || continue
  echo "=== $(basename "$b") (native) ==="; "$b"
done
for b in bench/*.bench.js; do
  echo "=== $(basename "$b") ==="; node "$b"
done
