#!/usr/bin/env bash
# Runs status-core's unit tests under miri, bounded in time. Under miri the SIMD module
# compiles to its portable scalar twin, so this checks the scalar path for undefined behaviour,
# out-of-bounds access and arithmetic overflow; the heaviest tests scale their sizes down
# with `cfg!(miri)`.
#
#   MIRI_TIMEOUT   seconds before the run counts as failed (default 1500)
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component add --toolchain nightly miri rust-src
# Its own target directory: miri's build flags differ from every other build's.
export CARGO_TARGET_DIR="${MIRI_TARGET_DIR:-$PWD/target/miri}"
cargo +nightly miri setup

cargo +nightly miri test -p status-core --lib --no-run
# Miri interprets on one core: the tests run as two processes, one per core, the block walk's
# tests (the heaviest) in one and every other test in the other, under one time bound.
half=scan::blocks::
status=0
timeout "${MIRI_TIMEOUT:-1500}" bash -c '
  cargo +nightly miri test -p status-core --lib -- "$1" > "$2" 2>&1 & blocks=$!
  rest=0
  cargo +nightly miri test -p status-core --lib -- --skip "$1" || rest=$?
  wait "$blocks" || rest=$?
  cat "$2"
  exit "$rest"
' miri "$half" "$CARGO_TARGET_DIR/blocks.log" || status=$?
if [ "$status" = 124 ]; then
  cat "$CARGO_TARGET_DIR/blocks.log" >&2 || true
  echo "miri.sh: status-core's tests did not finish within ${MIRI_TIMEOUT:-1500}s" >&2
fi
exit "$status"
