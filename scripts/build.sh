#!/usr/bin/env bash
# build.sh [native|asan|wasm|fuzz|bench|all]...  (default: all = native asan wasm fuzz)
# Configures each CMake tree once, then builds incrementally with Ninja.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

configure() {  # dir, extra cmake args...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
  fi
}
build() {  # dir
  echo "build: $1"
  cmake --build "$1" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking|Re-checking)' || true
  test "${PIPESTATUS[0]}" -eq 0
}

mkdir -p build
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(all)
for t in "${targets[@]}"; do
  case $t in
    native|bench) configure build/native -DCMAKE_BUILD_TYPE=Release; build build/native ;;
    asan) configure build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCELLGRAPH_SANITIZE=ON; build build/asan ;;
    wasm) configure build/wasm --toolchain emsdk-toolchain.cmake; build build/wasm ;;
    fuzz) configure build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCELLGRAPH_FUZZ=ON \
            -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++; build build/fuzz ;;
    all) "$0" native asan wasm fuzz ;;
    *) echo "build.sh: unknown target '$t' (native|asan|wasm|fuzz|bench|all)" >&2; exit 2 ;;
  esac
done
