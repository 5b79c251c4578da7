#!/usr/bin/env bash
# test.sh [native|fuzz|wasm|browser]...  (default: every tier)
#   native:  GoogleTest via ctest, Release and ASan+UBSan builds
#   fuzz:    every libFuzzer harness of tests/fuzz for FUZZ_SECONDS (default
#            10) each, from its seeds (scripts/fuzz.sh runs longer)
#   wasm:    the wasm module under `node --test`, the public .d.ts
#            type-checked against tests/types/usage.ts, and js/ type-checked
#            from its JSDoc (tests/types/tsconfig.checkjs.json)
#   browser: Debian's Chromium via playwright-core under `node --test`, in an
#            isolated network namespace (../shared/tools/isolated-net)
# Every tier runs even when an earlier one fails; the exit code is non-zero
# if any failed. Expects scripts/build.sh to have run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

isolated_net="$root/../shared/tools/isolated-net"
tiers=("$@"); [ ${#tiers[@]} -eq 0 ] && tiers=(native fuzz wasm browser)
failed=()
run() {  # name, command...
  local name=$1; shift
  echo; echo "=== $name ==="
  "$@" || failed+=("$name")
}
for tier in "${tiers[@]}"; do
  case $tier in
    native)
      run native ctest --test-dir build/native --output-on-failure
      run native-asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir build/asan --output-on-failure ;;
    fuzz)
      run fuzz bash scripts/fuzz.sh --time "${FUZZ_SECONDS:-10}" ;;
    wasm)
      run wasm node --test --test-reporter=spec tests/wasm/
      run types node_modules/.bin/tsc -p tests/types
      run checkjs node_modules/.bin/tsc -p tests/types/tsconfig.checkjs.json ;;
    browser)
      cmd=(node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 tests/browser/)
      if [ -x "$isolated_net" ]; then run browser "$isolated_net" "${cmd[@]}"
      else
        echo "test.sh: $isolated_net not found; running on the host network (WebRTC needs a non-loopback interface)"
        run browser "${cmd[@]}"
      fi ;;
    *) echo "test.sh: unknown tier '$tier' (native|fuzz|wasm|browser)" >&2; exit 2 ;;
  esac
done
echo
if [ ${#failed[@]} -gt 0 ]; then echo "cellgraph tests FAILED in: ${failed[*]}"; exit 1; fi
echo "cellgraph tests: every tier green (${tiers[*]})"
