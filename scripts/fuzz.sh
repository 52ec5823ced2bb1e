#!/bin/sh
# scripts/fuzz.sh [SECONDS] [TARGET...]: build the libFuzzer targets with
# clang in build-fuzz/ and run each for SECONDS (default 60), starting from
# its seed corpus. New crashes land in tests/fuzz/artifacts/.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
[ -x configure ] || autoreconf -fi
mkdir -p build-fuzz tests/fuzz/artifacts
(cd build-fuzz && { [ -f Makefile ] || CC=clang ../configure -q --enable-fuzzers; })
make -C build-fuzz -j"$(nproc)" fuzz
targets=${*:-$(ls build-fuzz/tests/fuzz/ | sed -n 's/^fuzz_\([a-z_0-9]*\)$/\1/p')}
for t in $targets; do
    work=$(mktemp -d)
    echo "== fuzz_$t for ${secs}s"
    build-fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$secs" -artifact_prefix=tests/fuzz/artifacts/ \
        -print_final_stats=1 "$work" "tests/fuzz/corpus/$t" 2>&1 | tail -n 12
    rm -rf "$work"
done
