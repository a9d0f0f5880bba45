#!/usr/bin/env bash
# status-core's unit tests for aarch64 under qemu, so that the NEON fast paths are held to the
# scalar twin (the differential tests in src/simd/tests.rs) on an x86_64 machine.
exec bash "$(dirname "$0")/qemu-user.sh" aarch64 arm64
