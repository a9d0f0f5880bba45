#!/usr/bin/env bash
# Runs status-core's unit tests for another Linux CPU under qemu's user-mode emulation:
#
#   .ci/qemu-user.sh ARCH DEB_ARCH   (ARCH as in aarch64-linux-gnu, DEB_ARCH as in
#                                     libc6-dev-arm64-cross)
#
# std is built from source for the target (nightly's `rust-src`, no prebuilt target needed)
# and linked with Debian's cross gcc. The tests are compiled with optimisations (what users
# ship, and far quicker under emulation) and with debug assertions and overflow checks kept on.
# Each target has its own cargo target directory, target/ARCH unless QEMU_TARGET_DIR says
# otherwise: a cross build with its own std shares nothing with the host's.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$1
deb_arch=$2
triple=$arch-unknown-linux-gnu

sysroot=/usr/$arch-linux-gnu
missing=()
command -v "$arch-linux-gnu-gcc" >/dev/null || missing+=("gcc-$arch-linux-gnu")
[ -e "$sysroot/lib/libc.so" ] || missing+=("libc6-dev-$deb_arch-cross")
command -v "qemu-$arch" >/dev/null || missing+=(qemu-user)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! rustup +nightly component list --installed | grep -q '^rust-src'; then
  rustup component add --toolchain nightly rust-src
fi

var=$(echo "$triple" | tr 'a-z-' 'A-Z_')
export CARGO_TARGET_DIR="${QEMU_TARGET_DIR:-$PWD/target/$arch}"
export "CARGO_TARGET_${var}_LINKER=$arch-linux-gnu-gcc"
export "CARGO_TARGET_${var}_RUNNER=qemu-$arch -L $sysroot"
export CARGO_PROFILE_TEST_OPT_LEVEL=2
export CARGO_PROFILE_TEST_DEBUG=0
cargo +nightly test -Zbuild-std --target "$triple" -p status-core --lib
