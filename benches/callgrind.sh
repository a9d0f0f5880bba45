#!/usr/bin/env bash
# Instructions per body for each workload, from callgrind: the count for N bodies minus the
# count for none, divided by N. Exact and repeatable on a loaded machine, unlike wall clock.
#
#   benches/callgrind.sh [ENGINE] [BODY ...]     (default: status-core, every workload below)
#   ENGINE `decode` or `stream-N`: whole-body decode against the push decoder in N-byte chunks
#   (success corpora, gen-<size> and malformed bodies only), e.g.
#   benches/callgrind.sh stream-64 twitter gen-256KiB truncated-65536
#   CALLGRIND_PROFILE=bench   build the profile example with fat LTO (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-status-core}
shift || true
bodies=("$@")
if [ "${#bodies[@]}" -eq 0 ]; then
  bodies=(400 403 429 500 twitter citm_catalog canada gen-1KiB gen-256KiB clips-32 clips-4000
          truncated-65536 bad-utf8-last-65536 open-brackets-65536 bad-escape-end-65536)
fi
profile=${CALLGRIND_PROFILE:-release}
cargo build -q --profile "$profile" -p status-benches --example profile
dir=target/$profile
[ "$profile" = dev ] && dir=target/debug
bin=$dir/examples/profile
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$engine" "$2" >/dev/null 2>&1
  sed -n 's/^summary: //p' "$out/cg"
}
printf '%-18s %14s\n' body instructions
for body in "${bodies[@]}"; do
  case $body in
    4[0-9][0-9]|5[0-9][0-9]|gen-1KiB|clips-32) n=200 ;;
    clips-4000|gen-256KiB|*-65536) n=5 ;;
    *) n=3 ;;
  esac
  base=$(count "$body" 0)
  full=$(count "$body" "$n")
  printf '%-18s %14d\n' "$body" $(( (full - base) / n ))
done
