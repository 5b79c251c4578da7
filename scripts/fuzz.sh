#!/usr/bin/env bash
# fuzz.sh [--time SECONDS] [--runs N] [harness...]
#   Builds the libFuzzer harnesses (build/fuzz, clang, ASan + UBSan), writes
#   seed corpora from tests/vectors/ (scripts/fuzz-seeds.js), and runs each
#   harness (default: all) for SECONDS (default 30) or N executions,
#   whichever comes first when both are given. New inputs go to build/fuzz/corpus/<harness>/; a crash,
#   hang (-timeout) or out-of-memory (-rss_limit_mb) fails the run and leaves
#   its input in build/fuzz/findings/. Prints one summary line per harness:
#   executions, exec/s, coverage (cov) and features (ft).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
limit=()
harnesses=()
while [ $# -gt 0 ]; do
  case $1 in
    --time) limit+=(-max_total_time="$2"); shift 2 ;;
    --runs) limit+=(-runs="$2"); shift 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[ ${#limit[@]} -eq 0 ] && limit=(-max_total_time=30)
bash scripts/build.sh fuzz >/dev/null || { bash scripts/build.sh fuzz; exit 1; }
dir=build/fuzz/tests/fuzz
[ ${#harnesses[@]} -eq 0 ] && harnesses=($(cd "$dir" && ls fuzz_* 2>/dev/null | grep -v '\.' ))
node scripts/fuzz-seeds.js build/fuzz/seeds
mkdir -p build/fuzz/findings
failed=()
for h in "${harnesses[@]}"; do
  corpus=build/fuzz/corpus/$h
  mkdir -p "$corpus" "build/fuzz/seeds/$h"
  log=build/fuzz/$h.log
  "$dir/$h" "$corpus" "build/fuzz/seeds/$h" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/findings/"$h"- -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  speed=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last"); ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  printf 'fuzz: %-24s %12s execs  %8s exec/s  cov %6s  ft %6s  %s\n' "$h" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
    "$([ $rc -eq 0 ] && echo ok || echo "FAILED (see $log)")"
  [ $rc -eq 0 ] || failed+=("$h")
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failures in ${failed[*]}"; exit 1; }
