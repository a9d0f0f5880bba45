#!/usr/bin/env bash
# Runs status-core's unit tests for aarch64 under qemu's user-mode emulation, so that the NEON
# fast paths are held to the scalar twin (the differential tests in simd.rs) on an x86_64
# machine. std is built from source for the target (nightly's `rust-src`, no prebuilt target
# needed) and linked with Debian's aarch64 cross gcc. The tests are compiled with optimisations
# (what users ship, and far quicker under emulation) and with debug assertions and overflow
# checks kept on.
#
#   AARCH64_TARGET_DIR   cargo's target directory (default target/aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=/usr/aarch64-linux-gnu
missing=()
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
[ -e "$sysroot/lib/libc.so" ] || missing+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! rustup +nightly component list --installed | grep -q '^rust-src'; then
  rustup component add --toolchain nightly rust-src
fi

# Its own target directory: a cross build with its own std shares nothing with the host's.
export CARGO_TARGET_DIR="${AARCH64_TARGET_DIR:-$PWD/target/aarch64}"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
export CARGO_PROFILE_TEST_OPT_LEVEL=2
export CARGO_PROFILE_TEST_DEBUG=0
cargo +nightly test -Zbuild-std --target aarch64-unknown-linux-gnu -p status-core --lib
