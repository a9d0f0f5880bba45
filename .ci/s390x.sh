#!/usr/bin/env bash
# Runs status-core's unit tests for s390x under qemu's user-mode emulation: a big-endian target
# with no fast path, so the portable scalar twin does all the work and the tests check that its
# word arithmetic (and everything above it) does not depend on byte order. std is built from
# source for the target (nightly's `rust-src`, no prebuilt target needed) and linked with
# Debian's s390x cross gcc. The tests are compiled with optimisations (what users ship, and far
# quicker under emulation) and with debug assertions and overflow checks kept on.
#
#   S390X_TARGET_DIR   cargo's target directory (default target/s390x)
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=/usr/s390x-linux-gnu
missing=()
command -v s390x-linux-gnu-gcc >/dev/null || missing+=(gcc-s390x-linux-gnu)
[ -e "$sysroot/lib/libc.so" ] || missing+=(libc6-dev-s390x-cross)
command -v qemu-s390x >/dev/null || missing+=(qemu-user)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! rustup +nightly component list --installed | grep -q '^rust-src'; then
  rustup component add --toolchain nightly rust-src
fi

# Its own target directory: a cross build with its own std shares nothing with the host's.
export CARGO_TARGET_DIR="${S390X_TARGET_DIR:-$PWD/target/s390x}"
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER=s390x-linux-gnu-gcc
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUNNER="qemu-s390x -L $sysroot"
export CARGO_PROFILE_TEST_OPT_LEVEL=2
export CARGO_PROFILE_TEST_DEBUG=0
cargo +nightly test -Zbuild-std --target s390x-unknown-linux-gnu -p status-core --lib
