#!/usr/bin/env bash
# status-core's unit tests for s390x under qemu: a big-endian target with no fast path, so the
# portable scalar twin does all the work and the tests check that its word arithmetic (and
# everything above it) does not depend on byte order.
exec bash "$(dirname "$0")/qemu-user.sh" s390x s390x
