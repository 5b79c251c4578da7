#!/usr/bin/env bash
# bench.sh: runs every benchmark and prints its numbers. Benchmarks never
# pass or fail on time. Each bench/*.bench.js prints one comparison; those
# with native numbers run the build/native/bench binaries themselves.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/build.sh native wasm
# Browser benches with WebRTC need an interface that leads nowhere; none of
# the benches needs the network, so all run inside isolated-net when present.
isolated_net="$root/../shared/tools/isolated-net"
runner=(); [ -x "$isolated_net" ] && runner=("$isolated_net")
for b in bench/*.bench.js; do
  echo "=== $(basename "$b") ==="; "${runner[@]}" node "$b"
done
# 10,000 peers with churn take about 25 minutes and 10 GB on one core:
# MESH_SIM_PEERS=100,1000 for a quick look.
echo "=== mesh_sim (cellular mesh, native simulator) ==="
build/native/bench/mesh_sim --peers "${MESH_SIM_PEERS:-100,1000,10000}" --churn-seconds 60
