#!/usr/bin/env bash
# bench.sh: runs every benchmark and prints its numbers. Benchmarks never
# pass or fail on time. Each bench/*.bench.js prints one comparison; those
# with native numbers run the build/native/bench binaries themselves.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build.sh native wasm
for b in bench/*.bench.js; do
  echo "=== $(basename "$b") ==="; node "$b"
done
