#!/bin/sh
# scripts/soak.sh MINUTES [CLIENTS] [BUILDDIR]: the long soak test. Runs
# tests/reliability/soak for MINUTES minutes with CLIENTS keep-alive clients
# (default 32) against a fresh modeld on 127.0.0.1, churning model versions
# (good, corrupt, partial, removed) every 2 s. Prints requests, unexpected
# answers, crashes and the daemon's RSS every 10 s; exits non-zero on any
# unexpected answer, a crash, or RSS growth (see docs/limits.md).
# BUILDDIR (default build/) must have been configured; the soak program and
# the daemon are built there first.
set -eu
cd "$(dirname "$0")/.."
minutes=${1:?usage: scripts/soak.sh MINUTES [CLIENTS] [BUILDDIR]}
clients=${2:-32}
builddir=${3:-build}
case $minutes in *[!0-9]*|'') echo "MINUTES must be a whole number" >&2; exit 2 ;; esac
[ -f "$builddir/Makefile" ] || { echo "no $builddir/Makefile: configure a build there first" >&2; exit 2; }
make -C "$builddir" -s server/modeld tests/reliability/soak
MD_SRCDIR=$(pwd) exec "$builddir/tests/reliability/soak" $((minutes * 60)) "$clients"
