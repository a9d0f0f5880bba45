#!/usr/bin/env bash
# The transport examples (examples/transports/*, each a workspace of its own): formatted, free
# of clippy warnings, and each run against its own loopback server, whose reply it must print
# exactly: `data` as it passed through the push decoder, then the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}/transports
want='{"clips": [{"idx": 1, "title": "caf\u00e9"}, {"idx": 2, "title": "b"}]}
=> 200: data above'
for dir in examples/transports/*/; do
  manifest=${dir}Cargo.toml
  echo "--- $dir"
  cargo fmt --manifest-path "$manifest" -- --check
  cargo clippy -q --locked --manifest-path "$manifest" -- -D warnings
  got=$(cargo run -q --locked --manifest-path "$manifest")
  if [ "$got" != "$want" ]; then
    printf 'unexpected output from %s:\n%s\n' "$dir" "$got" >&2
    exit 1
  fi
  echo "$got"
done
