#!/bin/sh
# scripts/fuzz.sh [SECONDS] [TARGET...]: build the libFuzzer targets with
# clang in build-fuzz/ and run each for SECONDS (default 60), starting from
# its seed corpus tests/fuzz/corpus/<target>/ (left unchanged: new inputs go
# to a scratch directory). New crashes land in tests/fuzz/artifacts/; copy
# each into the corpus as crash-<issue>-<what> once fixed. Exits non-zero if
# any target found a crash.
#
# The whole tree is compiled with -fsanitize=fuzzer-no-link (coverage
# feedback) plus ASan/UBSan, not just the fuzz_*.c files: without it the
# parsers in lib*.a would be invisible to libFuzzer.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
[ -x configure ] || autoreconf -fi
mkdir -p build-fuzz tests/fuzz/artifacts
if [ ! -f build-fuzz/Makefile ]; then
    (cd build-fuzz && CC=clang \
        CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
        LDFLAGS="-fsanitize=address,undefined" \
        ../configure -q --enable-fuzzers)
fi
if [ $# -gt 0 ]; then
    progs=""
    for t in "$@"; do progs="$progs tests/fuzz/fuzz_$t"; done
    # shellcheck disable=SC2086
    make -C build-fuzz -j"$(nproc)" $progs
    targets=$*
else
    make -C build-fuzz -j"$(nproc)" fuzz
    targets=$(ls build-fuzz/tests/fuzz/ | sed -n 's/^fuzz_\([a-z_0-9]*\)$/\1/p')
fi
rc=0
for t in $targets; do
    work=$(mktemp -d)
    log=$(mktemp)
    echo "== fuzz_$t for ${secs}s"
    if ! build-fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$secs" \
        -artifact_prefix=tests/fuzz/artifacts/ -print_final_stats=1 \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        echo "!! fuzz_$t failed; see tests/fuzz/artifacts/ and the log below"
        rc=1
        tail -n 60 "$log"
    else
        tail -n 12 "$log"
    fi
    rm -rf "$work" "$log"
done
exit $rc
