#!/usr/bin/env bash
# Runs status-core's unit tests under miri, bounded in time. Under miri the SIMD module
# compiles to its portable scalar twin, so this checks the scalar path for undefined behaviour,
# out-of-bounds access and arithmetic overflow; the heaviest tests scale their sizes down
# with `cfg!(miri)`.
#
#   MIRI_TIMEOUT   seconds before the run counts as failed (default 1800; on a clean clone
#                  on two cores with nothing beside it, the tests took about 1,430 s of
#                  it, so the heaviest tests are the next to scale down)
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component add --toolchain nightly miri rust-src
# Its own target directory: miri's build flags differ from every other build's.
export CARGO_TARGET_DIR="${MIRI_TARGET_DIR:-$PWD/target/miri}"
cargo +nightly miri setup

status=0
timeout "${MIRI_TIMEOUT:-1800}" cargo +nightly miri test -p status-core --lib || status=$?
if [ "$status" = 124 ]; then
  echo "miri.sh: status-core's tests did not finish within ${MIRI_TIMEOUT:-1800}s" >&2
fi
exit "$status"
