#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for a bounded time, starting from the committed corpus, and fails
# on any crash, leak, timeout or out-of-memory. New inputs go to a scratch directory, so the
# committed corpus only changes by hand (see fuzz/README.md).
#
#   FUZZ_TOTAL_SECONDS   fuzzing time shared by all targets (default 300)
#   FUZZ_COVERAGE=1      also print `cargo fuzz coverage` line/region figures per target
set -euo pipefail
cd "$(dirname "$0")/.."

total=${FUZZ_TOTAL_SECONDS:-300}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz.sh: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +stable install cargo-fuzz --locked
fi

targets=$(cargo +nightly fuzz list)
count=$(echo "$targets" | wc -w)
per_target=$(( total / count ))
echo "fuzzing ${count} targets for ${per_target}s each"

cargo +nightly fuzz build --release

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
touch "$scratch/start"
summary="$scratch/summary"
printf '%-14s %12s %10s %8s %10s\n' target executions exec/s corpus coverage > "$summary"

for target in $targets; do
  mkdir -p "$scratch/$target"
  log="$scratch/$target.log"
  echo "--- $target"
  # The first corpus directory receives new inputs; the committed one is only read.
  if ! cargo +nightly fuzz run --release "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
      -dict=fuzz/json.dict -max_total_time="$per_target" -max_len=4096 \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    grep -E -A12 'panicked at|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log" | head -n 40 || true
    tail -n 25 "$log"
    find fuzz/artifacts/"$target" -type f -newer "$scratch/start" 2>/dev/null | while read -r artifact; do
      echo "failing input $artifact (base64):"
      base64 -w 0 "$artifact"; echo
    done
    echo "fuzz.sh: $target failed; reproduce with: cargo +nightly fuzz run $target <input>" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+ +(INITED|DONE)|stat::)' "$log" || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  corpus=$(find "$scratch/$target" "fuzz/corpus/$target" -type f | wc -l)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
  printf '%-14s %12s %10s %8s %10s\n' "$target" "$execs" "$rate" "$corpus" "${cov} edges" | tee -a "$summary"
done

if [ "${FUZZ_COVERAGE:-0}" = 1 ]; then
  rustup component add --toolchain nightly llvm-tools-preview >/dev/null
  llvm_bin=$(rustc +nightly --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin
  host=$(rustc +nightly -vV | sed -n 's/^host: //p')
  for target in $targets; do
    cargo +nightly fuzz coverage "$target" "$scratch/$target" "fuzz/corpus/$target" >/dev/null 2>&1
    echo "--- coverage of status-core by $target"
    "$llvm_bin/llvm-cov" report \
      "fuzz/target/$host/coverage/$host/release/$target" \
      -instr-profile="fuzz/coverage/$target/coverage.profdata" \
      --ignore-filename-regex='(\.cargo|rustc|/tests/|/fuzz/)' | tail -n 12
  done
fi

echo
cat "$summary"
