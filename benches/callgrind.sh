#!/usr/bin/env bash
# Instructions per body for each workload, from callgrind: the count for N bodies minus the
# count for none, divided by N. Exact and repeatable on a loaded machine, unlike wall clock.
#
#   benches/callgrind.sh [ENGINE] [BODY ...]     (default: status-core, every workload below)
#   ENGINE `decode`, `stream-N` or `actson-N`: whole-body decode, the push decoder or actson in
#   N-byte chunks
#   (success corpora, gen-<size> and malformed bodies only), e.g.
#   benches/callgrind.sh stream-64 twitter gen-256KiB truncated-65536
#   CALLGRIND_PROFILE=release  build the profile example without LTO (default: bench, the
#                              workspace's fat LTO and one codegen unit, as the report uses)
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-status-core}
shift || true
bodies=("$@")
if [ "${#bodies[@]}" -eq 0 ]; then
  bodies=(400 403 429 500 twitter citm_catalog canada gen-1KiB gen-256KiB clips-32 clips-4000
          truncated-65536 bad-utf8-last-65536 open-brackets-65536 bad-escape-end-65536
          floats integers mixed-numbers mesh escaped-text
          400-swapped 400-extra-key 403-reversed 429-tabs-shuffled 429-extra-key)
fi
profile=${CALLGRIND_PROFILE:-bench}
# Cargo names the binary's directory after the profile, except for bench and test: ask it.
bin=$(cargo build -q --profile "$profile" -p status-benches --example profile \
        --message-format=json | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
echo "profile: $profile ($bin)" >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$engine" "$2" >/dev/null 2>&1
  sed -n 's/^summary: //p' "$out/cg"
}
printf '%-18s %14s\n' body instructions
for body in "${bodies[@]}"; do
  case $body in
    4[0-9][0-9]|5[0-9][0-9]|4[0-9][0-9]-*|5[0-9][0-9]-*|gen-1KiB|clips-32) n=200 ;;
    clips-4000|gen-256KiB|*-65536|floats|integers|mixed-numbers|mesh|escaped-text) n=5 ;;
    *) n=3 ;;
  esac
  base=$(count "$body" 0)
  full=$(count "$body" "$n")
  printf '%-18s %14d\n' "$body" $(( (full - base) / n ))
done
