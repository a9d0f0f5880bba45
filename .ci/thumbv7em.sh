#!/usr/bin/env bash
# status-core on a microcontroller: builds tests/firmware for a Cortex-M4F
# (thumbv7em-none-eabihf; core built from source with nightly's `rust-src`, at opt-level "z",
# fat LTO, one codegen unit, panic abort), runs it under qemu-system-arm (the MPS2 AN386 board)
# with semihosting, and checks its exit status and the budgets:
#
#   - the five-shape job (decode 400/403/429/500/200 and copy the fields out) at most 8 KiB of
#     `.text` over the baseline image, built with status-core's `small` feature;
#   - the peak stack of `decode` at most 1 KiB;
#   - the peak stack of `decode_typed_in_place::<T>` at most size_of::<T>() + 2 KiB (that of
#     `decode_typed_into` and `decode_typed`, which serde makes copy `T`, is printed beside it);
#   - all the RAM the streaming demonstration uses (a 1,000-clip body of over 250 KB generated
#     on the fly, fed to the push decoder in 64-byte chunks, each clip typed in a 512-byte
#     window) within the 16 KiB of a small device.
#
# Prints the figures, beside serde-json-core doing the same job in the same firmware.
#
# Each budget has a target (the figure the library aims at) and a ceiling (today's figure with
# a little room): a figure over its target is printed as missed, one over its ceiling fails the
# script, so that code size and stack cannot grow unnoticed while the targets are not met yet.
#
#   THUMBV7EM_TARGET_DIR   cargo's target directory (default target/thumbv7em)
#   THUMBV7EM_BUDGETS      `strict`: a figure over its target fails the script too
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

missing=()
command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm)
command -v arm-none-eabi-size >/dev/null || missing+=(binutils-arm-none-eabi)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! rustup +nightly component list --installed | grep -q '^rust-src'; then
  rustup component add --toolchain nightly rust-src
fi

target=thumbv7em-none-eabihf
export CARGO_TARGET_DIR="${THUMBV7EM_TARGET_DIR:-$root/target/thumbv7em}"
cd tests/firmware
build() { # FEATURES
  cargo +nightly build -q --release -Zbuild-std=core --target "$target" --features "$1" --bins
}
out=$CARGO_TARGET_DIR/$target/release
# `.text` and `.rodata` of an image, in bytes.
sections() {
  arm-none-eabi-size -A "$1" | awk '$1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } END { print t + 0, r + 0 }'
}

fail=0
check() { # NAME VALUE TARGET CEILING
  if [ -z "$2" ]; then
    printf '  budget %-44s no figure printed by the firmware\n' "$1"
    fail=1
  elif [ "$2" -le "$3" ]; then
    printf '  budget %-44s %9d <= %9d  met\n' "$1" "$2" "$3"
  else
    printf '  budget %-44s %9d >  %9d  missed by %d\n' "$1" "$2" "$3" $(($2 - $3))
    [ "${THUMBV7EM_BUDGETS:-}" = strict ] && fail=1
  fi
  if [ -n "$2" ] && [ "$2" -gt "$4" ]; then
    printf '  ceiling %-43s %9d >  %9d  FAILED: grew by %d\n' "$1" "$2" "$4" $(($2 - $4))
    fail=1
  fi
}

# Code size: the five-shape job's image minus the image that does nothing, for each decoder,
# with status-core's default (fast) build and with its `small` feature.
declare -A text rodata
for variant in fast small; do
  features=""
  [ "$variant" = small ] && features=small
  build "$features"
  for image in baseline status-core serde-json-core; do
    read -r t r < <(sections "$out/size-$image")
    text[$variant.$image]=$t
    rodata[$variant.$image]=$r
  done
  # The run (and the stack figures) use the small build: the budgets are for it.
  [ "$variant" = small ] && cp "$out/status-firmware" "$out/firmware-small"
done

echo "code size of the five-shape job, bytes over the baseline image (opt-level z, fat LTO, panic abort):"
printf '  %-34s %8s %8s\n' image .text .rodata
for variant in fast small; do
  for image in status-core serde-json-core; do
    [ "$image" = serde-json-core ] && [ "$variant" = small ] && continue
    dt=$((text[$variant.$image] - text[$variant.baseline]))
    dr=$((rodata[$variant.$image] - rodata[$variant.baseline]))
    name=$image
    [ "$image" = status-core ] && name="status-core ($variant)"
    printf '  %-34s %8d %8d\n' "$name" "$dt" "$dr"
    echo "figure text.five-shape-job.$image.$variant $dt"
    echo "figure rodata.five-shape-job.$image.$variant $dr"
  done
done
echo "largest functions of size-status-core (small build), bytes:"
arm-none-eabi-nm --size-sort --radix=d -C "$out/size-status-core" | awk '$2 ~ /[tT]/' | tail -8 | sed 's/^/  /'

echo "running the firmware under qemu-system-arm (mps2-an386):"
set +e
log=$(timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -monitor none \
  -semihosting-config enable=on,target=native -kernel "$out/firmware-small" 2>&1)
status=$?
set -e
echo "$log" | sed 's/^/  /'
if [ "$status" -ne 0 ]; then
  echo "the firmware failed (exit status $status)"
  exit 1
fi
figure() { echo "$log" | awk -v name="$1" '$1 == "figure" && $2 == name { print $3 }'; }

echo "budgets (target, then the ceiling that fails the script):"
check "five-shape job .text (status-core small)" \
  $((text[small.status-core] - text[small.baseline])) 8192 8192
# The default build buys speed with code (the one-pass error readers); its limit is ours, not
# the 8 KiB budget of the small build: 20,580 bytes at the last look.
check "five-shape job .text (status-core default)" \
  $((text[fast.status-core] - text[fast.baseline])) 21000 21000
check "peak stack of decode" "$(figure stack.decode.status-core)" 1024 880
check "RAM of the streaming run (1,000 clips, 64-byte chunks)" "$(figure ram.stream.status-core)" 16384 2800
size_of=$(figure size_of.ClipResults.cap2048)
check "peak stack of decode_typed_in_place (cap 2048)" \
  "$(figure stack.decode_typed_in_place.cap2048.status-core)" $((size_of + 2048)) $((size_of + 2048))
check "peak stack of decode_typed_into (cap 2048)" \
  "$(figure stack.decode_typed_into.cap2048.status-core)" $((size_of + 2048)) $((size_of * 72 / 10))
check "peak stack of decode_typed (cap 2048)" \
  "$(figure stack.decode_typed.cap2048.status-core)" $((size_of + 2048)) $((size_of * 82 / 10))
exit $fail
